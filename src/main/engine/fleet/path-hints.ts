// A missing metrics file said with the nearest path that exists (files/nearest-path.ts), looked up once
// per missing path on the host (host-runtime.ts asks for the paths to explain after each answer).

const MISSING = /^metrics file not found: (.+)$/;

export class PathHints {
  /** For each missing path: the nearest that exists, or null when nothing is near. */
  private readonly nearest = new Map<string, string | null>();

  /** The missing path in this error that has not been looked up yet. */
  toExplain(fileError: string | null): string[] {
    const missing = MISSING.exec(fileError ?? '')?.[1];
    return missing !== undefined && !this.nearest.has(missing) ? [missing] : [];
  }

  explain(missing: string, nearest: string | null): void {
    if (this.nearest.size > 100) this.nearest.clear();
    this.nearest.set(missing, nearest);
  }

  /** The error, with the nearest existing path when one is near: the fix a glance away. */
  explained(fileError: string | null): string | null {
    const missing = MISSING.exec(fileError ?? '')?.[1];
    const near = missing === undefined ? null : (this.nearest.get(missing) ?? null);
    return near === null ? fileError : `${fileError} — did you mean ${near}?`;
  }
}
