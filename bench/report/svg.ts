/**
 * Two small chart kinds as standalone SVG files the Markdown page embeds: grouped bars (latency
 * percentiles per scenario, log scale) and a line over time (lag).
 */
const W = 760;
const H = 360;
const M = { top: 40, right: 20, bottom: 70, left: 70 };
const COLORS = ['#2b6cb0', '#dd6b20', '#38a169', '#805ad5', '#c53030'];
const esc = (s: string) => s.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);

export function groupedBarsLog(
  title: string,
  unit: string,
  groups: string[],
  series: { name: string; values: number[] }[],
): string {
  const all = series.flatMap((s) => s.values).filter((v) => v > 0);
  const lo = Math.floor(Math.log10(Math.min(...all, 1)));
  const hi = Math.ceil(Math.log10(Math.max(...all, 10)));
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const y = (v: number) => M.top + plotH - ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo)) * plotH;
  const groupW = plotW / groups.length;
  const barW = (groupW * 0.8) / series.length;
  const parts: string[] = [];
  for (let e = lo; e <= hi; e++) {
    parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y(10 ** e)}" y2="${y(10 ** e)}" stroke="#ddd"/>`);
    parts.push(`<text x="${M.left - 8}" y="${y(10 ** e) + 4}" text-anchor="end" font-size="11">${10 ** e} ${esc(unit)}</text>`);
  }
  groups.forEach((group, g) => {
    series.forEach((s, i) => {
      const v = s.values[g] ?? 0;
      const x = M.left + g * groupW + groupW * 0.1 + i * barW;
      parts.push(
        `<rect x="${x}" y="${y(v)}" width="${barW - 2}" height="${M.top + plotH - y(v)}" fill="${COLORS[i % COLORS.length]}"><title>${esc(`${s.name} ${group}: ${v}`)}</title></rect>`,
      );
    });
    parts.push(
      `<text x="${M.left + g * groupW + groupW / 2}" y="${H - M.bottom + 16}" text-anchor="middle" font-size="11">${esc(group)}</text>`,
    );
  });
  series.forEach((s, i) => {
    parts.push(`<rect x="${M.left + i * 150}" y="${H - 24}" width="12" height="12" fill="${COLORS[i % COLORS.length]}"/>`);
    parts.push(`<text x="${M.left + i * 150 + 18}" y="${H - 14}" font-size="12">${esc(s.name)}</text>`);
  });
  return frame(title, parts);
}

export function lines(
  title: string,
  xLabel: string,
  yLabel: string,
  series: { name: string; points: [number, number][] }[],
): string {
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => p[1]));
  const xMax = Math.max(...xs, 1);
  const yMax = Math.max(...ys, 1);
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const x = (v: number) => M.left + (v / xMax) * plotW;
  const y = (v: number) => M.top + plotH - (v / yMax) * plotH;
  const parts: string[] = [];
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4;
    parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`);
    parts.push(`<text x="${M.left - 8}" y="${y(v) + 4}" text-anchor="end" font-size="11">${Math.round(v)}</text>`);
    const t = (xMax * i) / 4;
    parts.push(`<text x="${x(t)}" y="${H - M.bottom + 16}" text-anchor="middle" font-size="11">${t.toFixed(1)}</text>`);
  }
  parts.push(
    `<text x="${M.left + plotW / 2}" y="${H - M.bottom + 34}" text-anchor="middle" font-size="12">${esc(xLabel)}</text>`,
  );
  parts.push(
    `<text x="14" y="${M.top + plotH / 2}" font-size="12" transform="rotate(-90 14 ${M.top + plotH / 2})" text-anchor="middle">${esc(yLabel)}</text>`,
  );
  series.forEach((s, i) => {
    const d = s.points.map((p, k) => `${k === 0 ? 'M' : 'L'}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="2"/>`);
    parts.push(`<text x="${M.left + i * 200 + 18}" y="${H - 14}" font-size="12">${esc(s.name)}</text>`);
    parts.push(`<rect x="${M.left + i * 200}" y="${H - 24}" width="12" height="12" fill="${COLORS[i % COLORS.length]}"/>`);
  });
  return frame(title, parts);
}

function frame(title: string, parts: string[]): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>
${parts.join('\n')}
</svg>
`;
}
