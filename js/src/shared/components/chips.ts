/**
 * Toggle chips: one button per item (law families, remedies), `aria-pressed` for its state,
 * a colour swatch, and a click that toggles it in the list the widget syncs.
 *
 *   const bar = toggleChips({ label: "laws", testid: (n) => `sl-law-toggle-${n}`, onChange });
 *   bar.render(items, active);
 */
import { h, replaceChildren } from "../dom";
import type { Child } from "../dom";

export interface Chip {
  name: string;
  color: string;
  title: string;
  /** Extra content after the name (e.g. a star for the best law). */
  extra?: Child;
}

export interface ToggleChipsOptions {
  /** Accessible name of the group and its visible label. */
  label: string;
  /** Class of the bar and of each chip, beside the shared `sl-chips` / `sl-chip` (theme.css). */
  barClass: string;
  chipClass: string;
  testid: (name: string) => string;
  /** The new active list (in the items' order) after a click. */
  onChange: (active: string[]) => void;
}

export function toggleChips(o: ToggleChipsOptions) {
  const el = h("div", { class: `sl-chips ${o.barClass}`, role: "group", "aria-label": o.label });
  let drawn = "";
  /** Draw `items` with `active` pressed (skipped when nothing changed). */
  function render(items: Chip[], active: string[]): void {
    const key = JSON.stringify([items.map((i) => [i.name, i.color, i.title, String(i.extra ?? "")]), active]);
    if (key === drawn) return;
    drawn = key;
    const on = new Set(active);
    replaceChildren(
      el,
      h("span", { class: "sl-field-label" }, o.label),
      items.map((item) => {
        const pressed = on.has(item.name);
        const btn = h(
          "button",
          {
            type: "button",
            class: `sl-chip ${o.chipClass}${pressed ? " sl-on" : ""}`,
            "data-testid": o.testid(item.name),
            "aria-pressed": pressed ? "true" : "false",
            title: item.title,
            onclick: () => {
              const now = new Set(active);
              if (now.has(item.name)) now.delete(item.name);
              else now.add(item.name);
              o.onChange(items.map((i) => i.name).filter((n) => now.has(n)));
            },
          },
          h("span", { class: "sl-swatch", "aria-hidden": "true" }),
          item.name,
          pressed ? (item.extra ?? "") : "",
        );
        btn.style.setProperty("--sl-chip-color", item.color);
        return btn;
      }),
    );
  }
  return { el, render };
}
