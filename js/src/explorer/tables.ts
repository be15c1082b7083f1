/** LawExplorer's side tables: the Fits table (parameters and goodness of fit per law and
 * series) and the target sentences. Pure DOM from synced rows; text only. */
import type { LawInfo, MetricRow, ParamRow, SolutionRow } from "../shared/contract";
import { h, replaceChildren } from "../shared/dom";
import { fmt, fmtInterval } from "../shared/format";

function dot(color: string | undefined): HTMLSpanElement {
  const d = h("span", { class: "sl-dot", "aria-hidden": "true" });
  d.style.background = color ?? "currentColor";
  return d;
}

export function renderFits(
  table: HTMLTableElement,
  params: ParamRow[],
  metrics: MetricRow[],
  lawInfo: LawInfo[],
  level: number,
): void {
  const colors = new Map(lawInfo.map((l) => [l.name, l.color]));
  const pct = Math.round(level * 100);
  const head = h(
    "thead",
    {},
    h("tr", {}, h("th", { scope: "col" }, "param"), h("th", { scope: "col", class: "sl-r" }, "estimate"), h("th", { scope: "col", class: "sl-r" }, `${pct}% interval`)),
  );
  const bodies = metrics.map((m) => {
    const title = h(
      "tr",
      { class: "sl-law-row" },
      h(
        "th",
        { scope: "rowgroup", colspan: "3" },
        dot(colors.get(m.law)),
        m.law,
        m.series ? h("span", { class: "sl-series" }, ` · ${m.series}`) : "",
        m.best ? h("span", { class: "sl-best", title: "best by held-out error" }, " ★ best") : "",
      ),
    );
    const trs: HTMLTableRowElement[] = [title];
    if (m.error) {
      trs.push(h("tr", {}, h("td", { colspan: "3", class: "sl-row-error" }, m.error)));
    } else {
      for (const p of params.filter((p) => p.law === m.law && p.series === m.series)) {
        trs.push(
          h(
            "tr",
            {},
            h("td", { class: "sl-mono" }, p.param),
            h("td", { class: "sl-r sl-mono" }, fmt(p.estimate, 4)),
            h("td", { class: "sl-r sl-mono" }, fmtInterval(p.lo, p.hi)),
          ),
        );
      }
      const facts = [
        `n ${m.n ?? "–"}`,
        `R² ${fmt(m.r2, 4)}`,
        `RMSLE ${fmt(m.rmsle)}`,
        `AIC ${fmt(m.aic, 4)}`,
        m.pending ? "held-out …" : `held-out ${fmt(m.holdout)}`,
      ].join(" · ");
      trs.push(h("tr", { class: "sl-metrics" }, h("td", { colspan: "3" }, facts)));
    }
    return h("tbody", { class: m.best ? "sl-best-row" : "" }, trs);
  });
  replaceChildren(
    table,
    h("caption", {}, "Estimates with intervals; R², RMSLE and AIC on the fitted points; held-out: RMSLE when the largest-x points are predicted from the rest."),
    head,
    bodies.length ? bodies : h("tbody", {}, h("tr", {}, h("td", { colspan: "3", class: "sl-muted" }, "No fit yet."))),
  );
}

export function renderSolutions(el: HTMLElement, sols: SolutionRow[], lawInfo: LawInfo[], target: number | null): void {
  const colors = new Map(lawInfo.map((l) => [l.name, l.color]));
  replaceChildren(
    el,
    sols.length
      ? sols.map((s) => h("p", { class: s.ok ? "" : "sl-muted" }, dot(colors.get(s.law)), s.text))
      : target === null || target === undefined
        ? h("p", { class: "sl-muted" }, "Type a loss or accuracy to see where each law reaches it.")
        : "",
  );
}
