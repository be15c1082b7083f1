/**
 * What a pasted or dropped table looks like before Python parses it: the delimiter, the
 * header and the number of rows. Python does the real parsing and validation; this only
 * decides whether text is worth sending and what to say while it is parsed.
 */

export interface TableSketch {
  delimiter: "\t" | "," | ";" | "|" | null;
  columns: string[];
  rows: number;
}

export const MAX_TABLE_BYTES = 20 * 1024 * 1024;

const CANDIDATES = ["\t", ",", ";", "|"] as const;

/** Normalise line endings and drop a byte-order mark and trailing blank lines. */
export function normaliseText(text: string): string {
  return text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n").replace(/\n+$/, "");
}

/**
 * Guess the delimiter: the candidate that splits the first lines into the same number (> 1)
 * of fields most consistently (tabs win ties: spreadsheets copy as TSV).
 */
export function sniffDelimiter(text: string): TableSketch["delimiter"] {
  const lines = normaliseText(text).split("\n").filter((l) => l.trim() !== "").slice(0, 20);
  if (lines.length === 0) return null;
  let best: TableSketch["delimiter"] = null;
  let bestScore = 0;
  for (const d of CANDIDATES) {
    const counts = lines.map((l) => splitLine(l, d).length);
    const first = counts[0];
    if (first < 2) continue;
    const consistent = counts.filter((c) => c === first).length / counts.length;
    const score = consistent * 100 + Math.min(first, 50);
    if (score > bestScore) {
      best = d;
      bestScore = score;
    }
  }
  return best;
}

/** Split one line on `delimiter`, honouring double quotes ("a,b" stays one field). */
export function splitLine(line: string, delimiter: string): string[] {
  const out: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === "") quoted = true;
    else if (ch === delimiter) {
      out.push(field);
      field = "";
    } else field += ch;
  }
  out.push(field);
  return out;
}

/** Sketch a table: delimiter, header cells (trimmed) and the number of data rows. */
export function sketchTable(text: string): TableSketch {
  const clean = normaliseText(text);
  const delimiter = sniffDelimiter(clean);
  const lines = clean.split("\n").filter((l) => l.trim() !== "");
  if (!delimiter || lines.length === 0) return { delimiter, columns: [], rows: 0 };
  return {
    delimiter,
    columns: splitLine(lines[0], delimiter).map((c) => c.trim()),
    rows: lines.length - 1,
  };
}

/**
 * Why this text cannot be a table, or null when it is worth sending to Python.
 * Python still validates everything (numeric columns, duplicates, missing values).
 */
export function pasteProblem(text: string, name = ""): string | null {
  const what = name ? name : "the pasted text";
  if (text.length > MAX_TABLE_BYTES) {
    return `${name || "The table"} is ${(text.length / 1e6).toFixed(1)} MB; the limit is ${MAX_TABLE_BYTES / 1e6} MB. Load it in Python and pass the DataFrame instead.`;
  }
  if (normaliseText(text).trim() === "") return `Nothing to read: ${what} is empty.`;
  const sketch = sketchTable(text);
  if (!sketch.delimiter) {
    return `Could not find columns in ${what}: use a table with a header row, separated by tabs (as copied from a spreadsheet), commas or semicolons.`;
  }
  if (sketch.rows < 1) return `${name || "The table"} has a header but no data rows.`;
  return null;
}

/** The text to use from a paste: plain text if the clipboard has it (spreadsheets do). */
export function clipboardTable(data: Pick<DataTransfer, "getData"> | null): string {
  if (!data) return "";
  return data.getData("text/plain") || data.getData("text") || "";
}
