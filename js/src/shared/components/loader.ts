/**
 * The table loader: drop a CSV/TSV file, choose one, or paste a table. Text that could be a
 * table goes to the kernel as `{type: "load_table", text, name}` (the file's name, "" for a
 * paste); anything else gets an error that names the file and says what to do.
 *
 *   const loader = tableLoader({ send: (m) => model.send(m), showError, status, dropTargets });
 *   parent.appendChild(loader.el);
 */
import type { LoadTableMsg } from "../contract";
import { h, replaceChildren } from "../dom";
import type { Child } from "../dom";
import { clipboardTable, pasteProblem, sketchTable } from "../paste";

export interface TableLoaderOptions {
  send: (msg: LoadTableMsg) => void;
  showError: (message: string) => void;
  /** Say what is happening (e.g. "Reading runs.csv: 3 columns × 40 rows…"). */
  status: (message: string) => void;
}

/** Why a file's text is not a table when it is binary (a spreadsheet, an image), or null. */
export function binaryProblem(text: string, name: string): string | null {
  const head = text.slice(0, 4096);
  if (!head) return null;
  let odd = 0;
  for (const ch of head) {
    const c = ch.charCodeAt(0);
    if (c === 0 || c === 0xfffd || (c < 32 && c !== 9 && c !== 10 && c !== 13)) odd++;
  }
  if (odd === 0 || odd / head.length < 0.01) return null;
  const what = /\.(xlsx?|ods|parquet|feather|zip|gz|png|jpe?g|pdf)$/i.test(name) ? ` (${name.split(".").pop()})` : "";
  return `${name || "The file"} is a binary file${what}, not a CSV/TSV table: save it as CSV (comma or tab separated, with a header row) and drop that.`;
}

export function tableLoader(o: TableLoaderOptions) {
  const paste = h("textarea", {
    "data-testid": "sl-paste", class: "sl-paste", rows: "3", spellcheck: "false",
    placeholder: "…or paste a table here (copied from a spreadsheet, or CSV text with a header row)",
    "aria-label": "paste a table",
  });
  const fileInput = h("input", { type: "file", accept: ".csv,.tsv,.txt,text/csv,text/tab-separated-values", hidden: true });
  const chooseBtn = h("button", { class: "sl-btn sl-btn-quiet", type: "button" }, "Choose file…");
  const loadBtn = h("button", { class: "sl-btn sl-btn-quiet", type: "button" }, "Load pasted table");
  const title = h("div", { class: "sl-drop-title" });
  const el = h(
    "div",
    { class: "sl-dropzone", "data-testid": "sl-dropzone", tabindex: "0", "aria-label": "drop a CSV or TSV file" },
    title,
    paste,
    h("div", { class: "sl-buttons" }, chooseBtn, loadBtn, fileInput),
  );

  function sendTable(text: string, name: string): void {
    const problem = (name && binaryProblem(text, name)) || pasteProblem(text, name);
    if (problem) {
      o.showError(problem);
      return;
    }
    const sketch = sketchTable(text);
    o.status(`Reading ${name || "pasted table"}: ${sketch.columns.length} columns × ${sketch.rows} rows…`);
    o.send({ type: "load_table", text, name });
  }

  async function readFile(file: File): Promise<void> {
    try {
      sendTable(await file.text(), file.name);
    } catch (err) {
      o.showError(`Could not read ${file.name}: ${(err as Error).message}`);
    }
  }

  /** Accept files dropped on `target` too (e.g. the whole widget). */
  function acceptDrops(target: HTMLElement): void {
    target.addEventListener("dragover", (e) => {
      if (!(e as DragEvent).dataTransfer?.types.includes("Files")) return;
      e.preventDefault();
      e.stopPropagation();
      el.classList.add("sl-dragover");
    });
    target.addEventListener("dragleave", () => el.classList.remove("sl-dragover"));
    target.addEventListener("drop", (e) => {
      const dt = (e as DragEvent).dataTransfer;
      el.classList.remove("sl-dragover");
      if (!dt) return;
      e.preventDefault();
      e.stopPropagation();
      const file = dt.files?.[0];
      if (file) void readFile(file);
      else {
        const text = clipboardTable(dt);
        if (text) sendTable(text, "");
      }
    });
  }
  acceptDrops(el);

  chooseBtn.addEventListener("click", () => fileInput.click());
  fileInput.addEventListener("change", () => {
    const file = fileInput.files?.[0];
    if (file) void readFile(file);
    fileInput.value = "";
  });
  paste.addEventListener("paste", (e) => {
    const text = clipboardTable((e as ClipboardEvent).clipboardData);
    if (text) sendTable(text, "");
  });
  loadBtn.addEventListener("click", () => sendTable(paste.value, ""));
  paste.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      sendTable(paste.value, "");
    }
  });

  return {
    el,
    acceptDrops,
    /** The kernel took the table: empty the paste box. */
    loaded: () => {
      paste.value = "";
    },
    setTitle: (...children: Child[]) => replaceChildren(title, ...children),
  };
}
