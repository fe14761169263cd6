/**
 * The chart in the README: requests per second per contender, a group per framework and kind
 * of store, coatcheck's bars in blue beside its peers' in grey, every bar on one scale. Plain SVG
 * written by hand: a chart library would be a dependency for forty lines of rectangles.
 */

export interface ChartBar {
  label: string;
  value: number;
  /** coatcheck's own bar. */
  ours: boolean;
}

export interface ChartGroup {
  label: string;
  bars: ChartBar[];
}

const WIDTH = 800;
const LABEL_WIDTH = 310;
const BAR_SPACE = 380;
const ROW = 20;
const BAR = 14;
const GROUP_GAP = 12;
const TOP = 64;
const OURS = '#2563eb';
const PEER = '#9ca3af';
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';

const xmlText = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** The chart as an SVG document; `subtitle` says where the numbers come from. */
export function barChart(title: string, subtitle: string, groups: readonly ChartGroup[]): string {
  const max = Math.max(1, ...groups.flatMap((group) => group.bars.map((bar) => bar.value)));
  const parts: string[] = [];
  let y = TOP;
  for (const group of groups) {
    y += ROW;
    parts.push(`<text x="12" y="${y - 6}" font-weight="600">${xmlText(group.label)}</text>`);
    for (const bar of group.bars) {
      const width = Math.max(1, Math.round((bar.value / max) * BAR_SPACE));
      const textY = y + BAR - 3;
      parts.push(
        `<text x="${LABEL_WIDTH - 8}" y="${textY}" text-anchor="end">${xmlText(bar.label)}</text>`,
        `<rect x="${LABEL_WIDTH}" y="${y}" width="${width}" height="${BAR}" fill="${bar.ours ? OURS : PEER}"/>`,
        `<text x="${LABEL_WIDTH + width + 6}" y="${textY}">${integer.format(bar.value)}</text>`,
      );
      y += ROW;
    }
    y += GROUP_GAP;
  }
  const height = y + 8;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ${FONT} font-size="12" fill="#111827">`,
    `<title>${xmlText(title)}</title>`,
    `<desc>${xmlText(subtitle)}</desc>`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="12" y="22" font-size="15" font-weight="600">${xmlText(title)}</text>`,
    `<text x="12" y="40" fill="#4b5563">${xmlText(subtitle)}</text>`,
    `<rect x="${LABEL_WIDTH}" y="50" width="10" height="10" fill="${OURS}"/>`,
    `<text x="${LABEL_WIDTH + 14}" y="59">coatcheck</text>`,
    `<rect x="${LABEL_WIDTH + 90}" y="50" width="10" height="10" fill="${PEER}"/>`,
    `<text x="${LABEL_WIDTH + 104}" y="59">the framework's session libraries</text>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
