/**
 * A CSV that csv-parse cannot read, reported as the other import problems are: in Chinese, at the line of the file
 * where the damage is (csv-parse's own message is English and the importer put it at row 0).
 */

interface CsvParseError {
  code?: string;
  lines?: number;
  record?: unknown[];
}

/** The line of the file where a quoted cell opens and never closes, or undefined when every quote closes. */
function unclosedQuoteLine(text: string): number | undefined {
  let line = 1;
  let opened: number | undefined;
  let fieldStart = true;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (opened !== undefined) {
      if (c === '"' && text[i + 1] === '"') i++;
      else if (c === '"') opened = undefined;
      else if (c === '\n') line++;
      continue;
    }
    if (c === '\n') {
      line++;
      fieldStart = true;
    } else if (c === ',') fieldStart = true;
    else if (c === '"' && fieldStart) opened = line;
    else if (c !== ' ' && c !== '\t') fieldStart = false;
  }
  return opened;
}

/** `text` is what was parsed (LF line ends), `columns` the header's column count. */
export function csvParseProblem(error: unknown, text: string, columns: number): { row: number; message: string } {
  const e = error as CsvParseError;
  const row = e.lines ?? 0;
  switch (e.code) {
    case 'CSV_RECORD_INCONSISTENT_COLUMNS':
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
      return {
        row,
        message: `CSV 无法解析：该行有 ${e.record?.length ?? '?'} 列，表头有 ${columns} 列（行被截断、多了逗号，或含逗号的单元格未加引号）`,
      };
    case 'CSV_QUOTE_NOT_CLOSED': {
      const opened = unclosedQuoteLine(text) ?? row;
      return { row: opened, message: 'CSV 无法解析：此行有以 " 开头的单元格，直到文件末尾都没有结束的引号' };
    }
    case 'INVALID_OPENING_QUOTE':
      return { row, message: 'CSV 无法解析：单元格中间出现引号 "；含引号的单元格须整格加引号，格内的 " 写作 ""' };
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return { row, message: 'CSV 无法解析：结束引号 " 之后、逗号之前还有字符；格内的 " 应写作 ""' };
    default:
      return { row, message: `CSV 无法解析（${e.code ?? String(error)}）` };
  }
}
