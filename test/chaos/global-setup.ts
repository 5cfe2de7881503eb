// Clears the chaos rows before a run and prints the table after it.

import { clearRows, readRows, renderTable } from './table';

export function setup(): void {
  clearRows();
}

export function teardown(): void {
  const rows = readRows();
  if (rows.length === 0) return;
  console.log(`\nChaos table (${rows.length} faults):\n\n${renderTable(rows)}\n`);
}
