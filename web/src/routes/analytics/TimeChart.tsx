import { useEffect, useRef, useSyncExternalStore } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

/** Whether the page is dark now: the chart draws on a canvas, so it needs the colours itself. */
export function useDark(): boolean {
  return useSyncExternalStore(
    (changed) => {
      const observer = new MutationObserver(changed);
      observer.observe(document.documentElement, { attributes: true, attributeFilter: ["class"] });
      return () => observer.disconnect();
    },
    () => document.documentElement.classList.contains("dark"),
  );
}

/** Series colours readable on white and on slate-900, in the order series are drawn. */
export const PALETTE = {
  light: ["#1d4ed8", "#b45309", "#047857", "#b91c1c", "#7c3aed"],
  dark: ["#60a5fa", "#fbbf24", "#34d399", "#f87171", "#c4b5fd"],
};

export interface ChartSeries {
  label: string;
  values: (number | null)[];
  /** "left" (the first axis) or "right" (a second unit). */
  axis?: "left" | "right";
}

interface Props {
  /** The buckets in order ("2026-11-02", "2026-W10", "2026-03"): the x axis and the legend show them. */
  labels: string[];
  /** The legend's name for the x value ("Period"). */
  xLabel: string;
  series: ChartSeries[];
  leftUnit: (value: number) => string;
  rightUnit?: (value: number) => string;
  /** Fixed range of the left axis (availability: 0–100). */
  leftRange?: [number, number];
  height?: number;
  testId?: string;
  /** Names the chart for screen readers; the table below it carries the figures. */
  title: string;
}

/**
 * A uPlot line chart over the buckets (loaded with the analytics chunk only). It follows the
 * theme, sizes itself to its box (a ResizeObserver: tablets rotate), and keeps the page
 * scrollable by touch — no drag-to-zoom, which would capture a finger's swipe.
 */
export function TimeChart({
  labels,
  xLabel,
  series,
  leftUnit,
  rightUnit,
  leftRange,
  height = 260,
  testId,
  title,
}: Props) {
  const box = useRef<HTMLDivElement>(null);
  const dark = useDark();

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const ink = dark ? "#cbd5e1" : "#334155";
    const grid = dark ? "#334155" : "#e2e8f0";
    const colours = dark ? PALETTE.dark : PALETTE.light;
    // The x values are the buckets' positions; whole-number ticks only, each labelled by its bucket.
    const xs = labels.map((_label, i) => i);
    const labelOf = (x: number) => labels[Math.round(x)] ?? "";
    const hasRight = series.some((s) => s.axis === "right");
    const axes: uPlot.Axis[] = [
      {
        stroke: ink,
        grid: { stroke: grid },
        space: 90,
        incrs: [1, 2, 3, 4, 6, 7, 12, 14, 28, 30, 60, 90, 180, 365],
        values: (_u, splits) => splits.map(labelOf),
      },
      { stroke: ink, grid: { stroke: grid }, scale: "left", size: 60, values: (_u, splits) => splits.map(leftUnit) },
    ];
    if (hasRight && rightUnit) {
      axes.push({
        stroke: ink,
        grid: { show: false },
        scale: "right",
        side: 1,
        size: 60,
        values: (_u, splits) => splits.map(rightUnit),
      });
    }
    const plot = new uPlot(
      {
        width: element.clientWidth,
        height,
        cursor: { drag: { x: false, y: false } },
        legend: { live: true },
        scales: {
          x: { time: false, range: (_u, min, max) => [min - 0.5, max + 0.5] },
          left: leftRange ? { range: leftRange } : { range: (_u, _min, max) => [0, Math.max(1, max)] },
          right: { range: (_u, _min, max) => [0, Math.max(1, max)] },
        },
        axes,
        series: [
          { label: xLabel, value: (_u, x) => (x == null ? "" : labelOf(x)) },
          ...series.map((s, i) => ({
            label: s.label,
            scale: s.axis === "right" ? "right" : "left",
            stroke: colours[i % colours.length],
            width: 2,
            points: { show: true, size: 6 },
            value: (_u: uPlot, v: number | null) =>
              v == null ? "—" : s.axis === "right" && rightUnit ? rightUnit(v) : leftUnit(v),
          })),
        ],
      },
      [xs, ...series.map((s) => s.values)],
      element,
    );
    const observer = new ResizeObserver(() => plot.setSize({ width: element.clientWidth, height }));
    observer.observe(element);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }, [labels, xLabel, series, leftUnit, rightUnit, leftRange, height, dark]);

  return <div ref={box} role="img" aria-label={title} className="w-full min-w-0" data-testid={testId} />;
}
