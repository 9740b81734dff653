/** Where a library in the store came from. */
export type LibrarySource = 'bundled' | 'sync' | 'push' | 'rollback' | 'last-good';
