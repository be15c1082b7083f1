import { describe, expect, it } from "vitest";
import { clipboardTable, normaliseText, pasteProblem, sketchTable, sniffDelimiter, splitLine } from "../src/shared/paste";

describe("sniffDelimiter", () => {
  it("finds tabs in a spreadsheet copy", () => {
    expect(sniffDelimiter("D\tloss\n1e9\t3.2\n2e9\t3.0")).toBe("\t");
  });
  it("finds commas, semicolons and pipes", () => {
    expect(sniffDelimiter("D,loss\n1,2\n3,4")).toBe(",");
    expect(sniffDelimiter("D;loss\n1,5;2\n3;4")).toBe(";");
    expect(sniffDelimiter("D|loss\n1|2")).toBe("|");
  });
  it("prefers the delimiter that splits every line the same way", () => {
    // commas inside the numbers (European decimals) but semicolons between columns
    expect(sniffDelimiter("a;b;c\n1,5;2,5;3\n4;5;6,1")).toBe(";");
  });
  it("returns null for text without columns", () => {
    expect(sniffDelimiter("just some words")).toBeNull();
    expect(sniffDelimiter("")).toBeNull();
  });
});

describe("splitLine", () => {
  it("keeps quoted delimiters and doubled quotes", () => {
    expect(splitLine('"a,b",c,"say ""hi"""', ",")).toEqual(["a,b", "c", 'say "hi"']);
  });
  it("keeps empty fields", () => {
    expect(splitLine("1,,3", ",")).toEqual(["1", "", "3"]);
  });
});

describe("sketchTable", () => {
  it("reads header and row count, ignoring CRLF, BOM and trailing blank lines", () => {
    const s = sketchTable("\uFEFFD,loss\r\n1,2\r\n3,4\r\n\r\n");
    expect(s).toEqual({ delimiter: ",", columns: ["D", "loss"], rows: 2 });
  });
  it("keeps hostile column names as plain strings", () => {
    const s = sketchTable("<img src=x onerror=alert(1)>\tloss\n1\t2");
    expect(s.columns[0]).toBe("<img src=x onerror=alert(1)>");
  });
  it("normalises line endings", () => {
    expect(normaliseText("a\rb\r\nc\n\n")).toBe("a\nb\nc");
  });
});

describe("pasteProblem", () => {
  it("accepts a table", () => {
    expect(pasteProblem("x\ty\n1\t2")).toBeNull();
  });
  it("explains empty text, missing columns and missing rows", () => {
    expect(pasteProblem("")).toMatch(/empty/);
    expect(pasteProblem("hello world")).toMatch(/header row/);
    expect(pasteProblem("x,y")).toMatch(/no data rows/);
  });
  it("refuses huge pastes with a way out", () => {
    expect(pasteProblem("x,y\n" + "1,2\n".repeat(6_000_000))).toMatch(/DataFrame/);
  });
});

describe("clipboardTable", () => {
  it("prefers text/plain over HTML", () => {
    const data = { getData: (t: string) => (t === "text/plain" ? "a\tb" : t === "text/html" ? "<table>" : "") };
    expect(clipboardTable(data)).toBe("a\tb");
    expect(clipboardTable(null)).toBe("");
  });
});
