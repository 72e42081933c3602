import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/**
 * The page's charts as SVG, drawn by Vega-Lite (compiled to Vega and rendered headless, with no
 * browser and no canvas): scales, axes and legends laid out by the library, not by hand.
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

const FONT = { font: 'Helvetica, Arial, sans-serif', labelFontSize: 11, titleFontSize: 12 };

export interface LatencyPoint {
  system: string;
  rate: string;
  percentile: 'p50' | 'p99';
  ms: number;
}

/**
 * Latency percentiles per system, grouped by rate, on a log axis that starts below the smallest
 * value (so the floor's 1 ms bars stay visible), with the value printed on each bar.
 */
export function latencyBars(title: string, points: LatencyPoint[], systems: string[], rates: string[]): TopLevelSpec {
  const smallest = Math.min(...points.map((p) => p.ms).filter((ms) => ms > 0), 1);
  const domainMin = 10 ** Math.floor(Math.log10(smallest) - 0.3);
  const domainMax = 10 ** Math.ceil(Math.log10(Math.max(...points.map((p) => p.ms), 10)) + 0.2);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, fontSize: 14 },
    data: { values: points.map((p) => ({ ...p, ms: Math.max(p.ms, domainMin * 1.2) })) },
    config: { axis: FONT, legend: { ...FONT, orient: 'bottom', columns: 2, labelLimit: 400 }, header: FONT },
    facet: { column: { field: 'rate', type: 'ordinal', title: 'orders per second', sort: rates } },
    spec: {
      width: 260,
      height: 280,
      encoding: {
        x: { field: 'percentile', type: 'nominal', title: null, axis: { labelAngle: 0 } },
        xOffset: { field: 'system', type: 'nominal', sort: systems },
        y: {
          field: 'ms',
          type: 'quantitative',
          scale: { type: 'log', domain: [domainMin, domainMax] },
          title: 'milliseconds (log scale)',
        },
        color: { field: 'system', type: 'nominal', sort: systems, title: null, scale: { domain: systems, scheme: 'tableau10' } },
      },
      layer: [
        // Bars start at the axis' bottom: a log scale has no zero.
        { mark: { type: 'bar' }, encoding: { y2: { datum: domainMin } } },
        { mark: { type: 'text', dy: -6, fontSize: 9 }, encoding: { text: { field: 'ms', type: 'quantitative', format: '.0f' } } },
      ],
    },
    resolve: { scale: { y: 'shared' } },
  } as TopLevelSpec;
}

export interface SeriesPoint {
  series: string;
  panel?: string;
  x: number;
  y: number;
}

/** Lines over time, one per series, in one panel per `panel` value when there are several. */
export function linesOverTime(
  title: string,
  xTitle: string,
  yTitle: string,
  points: SeriesPoint[],
  series: string[],
  panelOrder: string[] = [],
): TopLevelSpec {
  const layer = {
    width: 300,
    height: 220,
    mark: { type: 'line', interpolate: 'step-after' },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: xTitle },
      y: { field: 'y', type: 'quantitative', title: yTitle },
      color: { field: 'series', type: 'nominal', sort: series, title: null, scale: { domain: series, scheme: 'tableau10' } },
    },
  };
  const panels = new Set(points.map((p) => p.panel).filter(Boolean));
  const common = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, fontSize: 14 },
    data: { values: points },
    config: { axis: FONT, legend: { ...FONT, orient: 'bottom', columns: 2, labelLimit: 400 }, header: FONT },
  };
  if (panels.size <= 1) return { ...common, ...layer, width: 600 } as TopLevelSpec;
  return {
    ...common,
    facet: { column: { field: 'panel', type: 'nominal', title: null, sort: panelOrder } },
    spec: layer,
  } as TopLevelSpec;
}
