import { describe, expect, it } from 'vitest';
import type { WebSocketLike } from '../../shared/channel-websocket';
import { pickTransport, socketUrl } from './pick-transport';

const noSocket = (): WebSocketLike => {
  throw new Error('should not open a socket');
};

describe('choosing the wire at boot', () => {
  it('uses the preload API inside Electron', () => {
    const vigil = { send: () => {}, onMessage: () => () => {} };
    const picked = pickTransport({ vigil, location: { protocol: 'file:', host: '', search: '' } }, noSocket);
    expect(picked).toEqual({ kind: 'electron', transport: vigil });
  });

  it('otherwise opens a WebSocket to the same origin with the token from the page URL', () => {
    const opened: string[] = [];
    const socket = { readyState: 0, send() {}, close() {}, addEventListener() {}, removeEventListener() {} };
    const picked = pickTransport(
      { location: { protocol: 'http:', host: '127.0.0.1:4567', search: '?token=a%2Bb' } },
      (url) => {
        opened.push(url);
        return socket;
      },
    );
    expect(picked.kind).toBe('websocket');
    expect(opened).toEqual(['ws://127.0.0.1:4567/ws?token=a%2Bb']);
  });

  it('explains what is missing when the page was opened without its token', () => {
    const picked = pickTransport(
      { location: { protocol: 'http:', host: '127.0.0.1:4567', search: '' } },
      noSocket,
    );
    expect(picked).toMatchObject({ kind: 'none', reason: expect.stringMatching(/vigil serve/) });
    expect(socketUrl({ protocol: 'https:', host: 'h', search: '?token=t' })).toBe('wss://h/ws?token=t');
  });
});
