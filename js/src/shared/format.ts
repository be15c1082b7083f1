/** Number formatting for tables and sentences: compact, readable, never "NaN" surprises. */

/** 3 significant digits; scientific notation outside [1e-3, 1e5). */
export function fmt(value: unknown, digits = 3): string {
  if (value === null || value === undefined || value === "") return "–";
  const v = Number(value);
  if (!Number.isFinite(v)) return Number.isNaN(v) ? "–" : v > 0 ? "∞" : "−∞";
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) {
    const [mant, exp] = v.toExponential(digits - 1).split("e");
    return `${mant}e${Number(exp)}`;
  }
  return String(Number(v.toPrecision(digits)));
}

/** An interval "[lo, hi]" or "–" when either end is missing. */
export function fmtInterval(lo: unknown, hi: unknown, digits = 3): string {
  if (lo === null || lo === undefined || hi === null || hi === undefined) return "–";
  return `[${fmt(lo, digits)}, ${fmt(hi, digits)}]`;
}
