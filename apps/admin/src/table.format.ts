/** Cell text safe for a terminal: control characters (escape sequences included) become `?`. */
function cell(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  return String(value).replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

/** A plain-text table: a header row, then one line per row, columns separated by two spaces. */
export function formatTable(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const cells = [headers.map(cell), ...rows.map((row) => row.map(cell))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => row[column]?.length ?? 0)));
  return cells
    .map((row) =>
      row
        .map((text, column) => (column === row.length - 1 ? text : text.padEnd(widths[column])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
