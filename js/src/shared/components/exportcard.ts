/**
 * The export card: copy the code, insert it as a cell below the widget, download JSON (the
 * kernel answers `{type: "export_json"}` with the text). The code is the widget's `code` trait
 * and the cell is found by its `_model_ref` (both in every widget's contract).
 *
 *   const card = exportCard({ model, el, titles, filename, nothing });
 *   side.appendChild(card.el);  // and card.onMessage(msg) from msg:custom
 */
import type { AnyModel } from "@anywidget/types";
import type { ExportJsonReply } from "../contract";
import { h } from "../dom";
import type { Child } from "../dom";
import { copyText, downloadText, insertCellBelow } from "../notebook";

export interface ExportCardOptions {
  model: AnyModel;
  /** The element the widget renders into (to find its notebook cell). */
  el: Element;
  /** data-testid of the three buttons (default: DEFAULT_IDS). */
  ids?: { copy: string; insert: string; json: string };
  titles: { copy: string; insert: string; json: string };
  /** Default download name when the kernel gives none. */
  filename: string;
  /** What to say with nothing to export yet. */
  nothing: string;
  /** Extra controls above the buttons (e.g. which law). */
  before?: Child;
}

export const DEFAULT_IDS = { copy: "sl-export-code", insert: "sl-insert-cell", json: "sl-export-json" };

export function exportCard(o: ExportCardOptions) {
  const ids = o.ids ?? DEFAULT_IDS;
  const code = (): string => String(o.model.get("code") ?? "");
  const btn = (id: string, title: string, text: string) =>
    h("button", { class: "sl-btn", type: "button", "data-testid": id, title }, text);
  const copyBtn = btn(ids.copy, o.titles.copy, "Copy code");
  const insertBtn = btn(ids.insert, o.titles.insert, "Insert as cell");
  const jsonBtn = btn(ids.json, o.titles.json, "Download JSON");
  const note = h("div", { class: "sl-export-note", "aria-live": "polite" });
  const say = (text: string) => {
    note.textContent = text;
  };
  const el = h(
    "section",
    { class: "sl-card" },
    h("h4", {}, "Export"),
    o.before ?? "",
    h("div", { class: "sl-buttons" }, copyBtn, insertBtn, jsonBtn),
    note,
  );

  copyBtn.addEventListener("click", async () => {
    const text = code();
    if (!text) return say(`Nothing to copy yet: ${o.nothing}`);
    say((await copyText(text)) ? "Copied the code to the clipboard." : "The browser refused the clipboard: use Insert as cell or Download JSON.");
  });
  insertBtn.addEventListener("click", async () => {
    const text = code();
    if (!text) return say(`Nothing to insert yet: ${o.nothing}`);
    const where = insertCellBelow(o.model, String(o.model.get("_model_ref") ?? ""), text, o.el);
    if (where) return say(`Inserted the code as a new cell ${where}.`);
    say(
      (await copyText(text))
        ? "This front end does not let widgets add cells: the code is on the clipboard, paste it into a new cell."
        : "This front end does not let widgets add cells; use Copy code.",
    );
  });
  jsonBtn.addEventListener("click", () => o.model.send({ type: "export_json" }));

  /** Handle the kernel's export_json reply; returns whether `msg` was one. */
  function onMessage(msg: unknown): boolean {
    const m = msg as ExportJsonReply | null;
    if (!m || typeof m !== "object" || m.type !== "export_json") return false;
    if (m.text) {
      const name = String(m.filename || o.filename);
      downloadText(String(m.text), name, "application/json");
      say(`Downloaded ${name}.`);
    } else say(String(m.message || "Nothing to export yet."));
    return true;
  }

  return { el, onMessage, say };
}
