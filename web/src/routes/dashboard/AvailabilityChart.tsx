import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef, useSyncExternalStore } from "react";
import { useTranslation } from "react-i18next";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { fetchDailyAvailability } from "../../api/dashboard";
import { keys } from "../../api/keys";
import { useFormat } from "../../i18n/format";

const DAYS = 30;

/** Whether the page is dark now: the chart draws on a canvas, so it needs the colours itself. */
function useDark(): boolean {
  return useSyncExternalStore(
    (changed) => {
      const observer = new MutationObserver(changed);
      observer.observe(document.documentElement, { attributes: true, attributeFilter: ["class"] });
      return () => observer.disconnect();
    },
    () => document.documentElement.classList.contains("dark"),
  );
}

/**
 * Plant availability per day over the last 30 days (uPlot, loaded with this chunk only). A day
 * without planned time has no point. The figures are in the table above for screen readers; the
 * chart is the trend at a glance.
 */
export default function AvailabilityChart() {
  const { t } = useTranslation();
  const format = useFormat();
  const box = useRef<HTMLDivElement>(null);
  const dark = useDark();
  const query = useQuery({
    queryKey: [...keys.lineAvailability(DAYS), "daily"],
    queryFn: () => fetchDailyAvailability(DAYS),
    refetchInterval: 300_000,
  });

  useEffect(() => {
    const element = box.current;
    if (!element || !query.data) return;
    const ink = dark ? "#cbd5e1" : "#334155";
    const grid = dark ? "#334155" : "#e2e8f0";
    const dayMonth = new Intl.DateTimeFormat(format.language, { day: "numeric", month: "short" });
    const xs = query.data.map((d) => d.day.getTime() / 1000);
    const ys = query.data.map((d) => (d.value === null ? null : d.value * 100));
    const plot = new uPlot(
      {
        width: element.clientWidth,
        height: 220,
        legend: { show: false },
        scales: { y: { range: [0, 100] } },
        axes: [
          {
            stroke: ink,
            grid: { stroke: grid },
            space: 70,
            values: (_u, splits) => splits.map((s) => dayMonth.format(new Date(s * 1000))),
          },
          { stroke: ink, grid: { stroke: grid }, values: (_u, splits) => splits.map((s) => `${s} %`) },
        ],
        series: [
          {},
          {
            label: t("kpi.availability"),
            stroke: dark ? "#60a5fa" : "#1d4ed8",
            width: 2,
            fill: dark ? "rgba(96,165,250,0.15)" : "rgba(29,78,216,0.1)",
            points: { show: true },
          },
        ],
      },
      [xs, ys],
      element,
    );
    const resize = () => plot.setSize({ width: element.clientWidth, height: 220 });
    window.addEventListener("resize", resize);
    return () => {
      window.removeEventListener("resize", resize);
      plot.destroy();
    };
  }, [query.data, format, t, dark]);

  if (query.isError) return null;
  return (
    <figure className="mt-6">
      <figcaption className="font-semibold">{t("dashboard.dailyChart")}</figcaption>
      <div ref={box} className="mt-2 w-full" data-testid="availability-chart" />
    </figure>
  );
}
