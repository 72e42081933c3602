/** A page of a list read with one row more than asked: the rows to answer, and the cursor to the next page. */
export function pageOf<T>(rows: readonly T[], limit: number, cursorOf: (row: T) => string): { rows: T[]; next: string | null } {
  const page = rows.slice(0, limit);
  return { rows: page, next: rows.length > limit ? cursorOf(page[page.length - 1]!) : null };
}
