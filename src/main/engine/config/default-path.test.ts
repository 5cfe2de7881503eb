import { describe, expect, it } from 'vitest';
import { defaultConfigPath, exampleConfig, minimalExample } from './default-path';
import { parseConfig } from './load';

describe('defaultConfigPath', () => {
  it('prefers VIGIL_CONFIG', () => {
    expect(defaultConfigPath({ VIGIL_CONFIG: '/x/v.yaml', XDG_CONFIG_HOME: '/xdg' }, '/home/u')).toBe(
      '/x/v.yaml',
    );
  });

  it('then $XDG_CONFIG_HOME/vigil/config.yaml', () => {
    expect(defaultConfigPath({ XDG_CONFIG_HOME: '/xdg' }, '/home/u')).toBe('/xdg/vigil/config.yaml');
  });

  it('then ~/.config/vigil/config.yaml (a relative XDG_CONFIG_HOME is ignored, as the spec says)', () => {
    expect(defaultConfigPath({}, '/home/u')).toBe('/home/u/.config/vigil/config.yaml');
    expect(defaultConfigPath({ XDG_CONFIG_HOME: 'rel' }, '/home/u')).toBe(
      '/home/u/.config/vigil/config.yaml',
    );
    expect(defaultConfigPath({ VIGIL_CONFIG: '' }, '/home/u')).toBe('/home/u/.config/vigil/config.yaml');
  });
});

describe('the examples users are told to copy', () => {
  it('exampleConfig loads without errors: four workers on one host', () => {
    const cfg = parseConfig(exampleConfig(), '/home/u/.config/vigil/config.yaml', { home: '/home/u' });
    expect(cfg.workers.map((w) => w.name)).toEqual(['I3D', 'SlowFast', 'Transformer', 'MagVIT']);
    expect(new Set(cfg.workers.map((w) => w.host))).toEqual(new Set(['ec2']));
    expect(Object.keys(cfg.hosts)).toEqual(['ec2']);
    expect(cfg.workers[0]?.sync[0]?.to).toBe('/home/u/Vigil/I3D/results/');
    // The regex in the example must be one a user can copy and have work.
    const regex = new RegExp(cfg.workers[3]?.metrics.regex ?? '');
    expect('step 400: loss 3.33'.match(regex)?.groups).toEqual({ step: '400', loss: '3.33' });
  });

  it('exampleConfig explains itself in comments', () => {
    expect(exampleConfig()).toContain('# An alias from ~/.ssh/config');
  });

  it('minimalExample loads without errors', () => {
    expect(parseConfig(minimalExample(), 'config.yaml').workers).toHaveLength(1);
  });
});
