/**
 * Hand-written SVG line charts for the whole-process comparison (no dependencies): one
 * <polyline> per series (agent), a point marker per measurement, axes with ticks, a legend.
 * Axes and grid are <line> elements, so counting <polyline> counts the series.
 */

export interface ChartPoint {
  x: number;
  y: number;
  /** Drawn hollow and explained under the chart (e.g. "the run lost samples"). */
  flag?: string;
}

export interface ChartSeries {
  name: string;
  points: readonly ChartPoint[];
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly ChartSeries[];
  width?: number;
  height?: number;
}

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** About `count` round tick values covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step, i = 0; v <= max + step * 1e-9 && i < 100; v += step, i++) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function format(value: number): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${Number((value / 1e6).toPrecision(3))}M`;
  if (abs >= 1e4) return `${Number((value / 1e3).toPrecision(3))}k`;
  return String(Number(value.toPrecision(3)));
}

/** A complete SVG document. Series without points still get an (empty) polyline and a legend entry. */
export function lineChartSvg(options: LineChartOptions): string {
  const flags = [...new Set(options.series.flatMap((s) => s.points.map((p) => p.flag)).filter((f): f is string => !!f))];
  const width = options.width ?? 760;
  const height = (options.height ?? 400) + flags.length * 16;
  const margin = { left: 70, right: 250, top: 40, bottom: 50 + flags.length * 16 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const all = options.series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const xMin = 0;
  const xMax = all.length > 0 ? Math.max(...all.map((p) => p.x)) : 1;
  const yMin = 0;
  const yMax = all.length > 0 ? Math.max(...all.map((p) => p.y)) * 1.05 : 1;
  const xTicks = niceTicks(xMin, xMax > xMin ? xMax : xMin + 1);
  const yTicks = niceTicks(yMin, yMax > yMin ? yMax : yMin + 1);
  const xTop = Math.max(xMax, xTicks[xTicks.length - 1] ?? xMax);
  const yTop = Math.max(yMax, yTicks[yTicks.length - 1] ?? yMax);
  const sx = (x: number): number => margin.left + ((x - xMin) / (xTop - xMin || 1)) * plotW;
  const sy = (y: number): number => margin.top + plotH - ((y - yMin) / (yTop - yMin || 1)) * plotH;
  const n = (v: number): string => v.toFixed(1);

  const out: string[] = [];
  out.push(`<?xml version="1.0" encoding="UTF-8"?>`);
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  out.push(`<title>${escapeXml(options.title)}</title>`);
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="${n(margin.left + plotW / 2)}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(options.title)}</text>`);
  for (const t of yTicks) {
    out.push(`<line x1="${n(margin.left)}" y1="${n(sy(t))}" x2="${n(margin.left + plotW)}" y2="${n(sy(t))}" stroke="#e0e0e0"/>`);
    out.push(`<text x="${n(margin.left - 6)}" y="${n(sy(t) + 4)}" text-anchor="end">${escapeXml(format(t))}</text>`);
  }
  for (const t of xTicks) {
    out.push(`<line x1="${n(sx(t))}" y1="${n(margin.top + plotH)}" x2="${n(sx(t))}" y2="${n(margin.top + plotH + 5)}" stroke="#333333"/>`);
    out.push(`<text x="${n(sx(t))}" y="${n(margin.top + plotH + 18)}" text-anchor="middle">${escapeXml(format(t))}</text>`);
  }
  out.push(`<line x1="${n(margin.left)}" y1="${n(margin.top + plotH)}" x2="${n(margin.left + plotW)}" y2="${n(margin.top + plotH)}" stroke="#333333"/>`);
  out.push(`<line x1="${n(margin.left)}" y1="${n(margin.top)}" x2="${n(margin.left)}" y2="${n(margin.top + plotH)}" stroke="#333333"/>`);
  out.push(`<text x="${n(margin.left + plotW / 2)}" y="${n(margin.top + plotH + 40)}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`);
  flags.forEach((flag, i) => {
    out.push(`<text x="${n(margin.left)}" y="${n(margin.top + plotH + 62 + i * 16)}" font-size="11">hollow marker: ${escapeXml(flag)}</text>`);
  });
  out.push(`<text x="16" y="${n(margin.top + plotH / 2)}" text-anchor="middle" transform="rotate(-90 16 ${n(margin.top + plotH / 2)})">${escapeXml(options.yLabel)}</text>`);

  options.series.forEach((series, i) => {
    const color = COLORS[i % COLORS.length];
    const points = series.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)).slice().sort((a, b) => a.x - b.x);
    out.push(`<g>`);
    out.push(`<title>${escapeXml(series.name)}</title>`);
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.map((p) => `${n(sx(p.x))},${n(sy(p.y))}`).join(' ')}"/>`);
    for (const p of points) {
      out.push(p.flag
        ? `<circle cx="${n(sx(p.x))}" cy="${n(sy(p.y))}" r="4" fill="#ffffff" stroke="${color}" stroke-width="2"><title>${escapeXml(p.flag)}</title></circle>`
        : `<circle cx="${n(sx(p.x))}" cy="${n(sy(p.y))}" r="3" fill="${color}"/>`);
    }
    out.push(`</g>`);
    const ly = margin.top + 10 + i * 20;
    const lx = margin.left + plotW + 15;
    out.push(`<rect x="${n(lx)}" y="${n(ly - 8)}" width="14" height="4" fill="${color}"/>`);
    out.push(`<text x="${n(lx + 20)}" y="${n(ly - 2)}">${escapeXml(series.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
