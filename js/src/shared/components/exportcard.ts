/**
 * The export card: copy the code, insert it as a cell below the widget, download JSON (the
 * kernel answers `{type: "export_json"}` with the text). Test ids are the widget's own.
 *
 *   const card = exportCard({ model, el, code: () => model.get("code"), ids, titles, names });
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
  code: () => string;
  modelRef: () => string;
  /** data-testid of the three buttons. */
  ids: { copy: string; insert: string; json: string };
  titles: { copy: string; insert: string; json: string };
  /** Default download name when the kernel gives none. */
  filename: string;
  /** What to say with nothing to export yet. */
  nothing: string;
  /** Extra controls above the buttons (e.g. which law). */
  before?: Child;
}

export function exportCard(o: ExportCardOptions) {
  const btn = (id: string, title: string, text: string) =>
    h("button", { class: "sl-btn", type: "button", "data-testid": id, title }, text);
  const copyBtn = btn(o.ids.copy, o.titles.copy, "Copy code");
  const insertBtn = btn(o.ids.insert, o.titles.insert, "Insert as cell");
  const jsonBtn = btn(o.ids.json, o.titles.json, "Download JSON");
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
    const code = o.code();
    if (!code) return say(`Nothing to copy yet: ${o.nothing}`);
    say((await copyText(code)) ? "Copied the code to the clipboard." : "The browser refused the clipboard: use Insert as cell or Download JSON.");
  });
  insertBtn.addEventListener("click", async () => {
    const code = o.code();
    if (!code) return say(`Nothing to insert yet: ${o.nothing}`);
    const where = insertCellBelow(o.model, o.modelRef(), code, o.el);
    if (where) return say(`Inserted the code as a new cell ${where}.`);
    say(
      (await copyText(code))
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
