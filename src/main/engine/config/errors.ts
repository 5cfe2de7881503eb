// One error type for every way a config can be wrong, so the CLI prints it the same way everywhere:
// `config.yaml:12:5: workers[1].stalAfter: unknown key "stalAfter" — did you mean "stallAfter"?`

/** A path into the config: keys and list indexes, e.g. ['workers', 1, 'stallAfter']. */
export type ConfigPath = readonly (string | number)[];

export interface ConfigIssue {
  /** The config file, as given. */
  file: string;
  /** 1-based; absent when the problem has no place in the file (e.g. the file is missing). */
  line?: number;
  column?: number;
  /** Like `workers[1].stallAfter`; empty for the whole file. */
  path: string;
  message: string;
}

/** Formats a path the way users read it: `workers[1].sync[0].every`, `hosts.ec2.port`. */
export function formatPath(path: ConfigPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    // Keys that would be ambiguous after a dot (host names with dots or spaces) are quoted.
    else if (/^[^.\s[\]"]+$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

export function formatIssue(issue: ConfigIssue): string {
  let where = issue.file;
  if (issue.line !== undefined) where += `:${issue.line}`;
  if (issue.line !== undefined && issue.column !== undefined) where += `:${issue.column}`;
  return issue.path === '' ? `${where}: ${issue.message}` : `${where}: ${issue.path}: ${issue.message}`;
}

/**
 * Every problem found in a config file. The top-level fields describe the first problem (in file order);
 * `issues` holds all of them. `message` (and toString()) is the whole report, one problem per line, so
 * whoever prints the error shows the user everything to fix in one go.
 */
export class ConfigError extends Error {
  readonly file: string;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly path: string;
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    if (issues.length === 0) throw new Error('ConfigError needs at least one issue');
    super(issues.map(formatIssue).join('\n'));
    this.name = 'ConfigError';
    const first = issues[0]!;
    this.file = first.file;
    this.line = first.line;
    this.column = first.column;
    this.path = first.path;
    this.issues = issues;
  }

  override toString(): string {
    return this.message;
  }
}
