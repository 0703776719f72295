// Export of what a chart shows: PNG (the chart's SVGs rasterised on the theme background) and
// CSV (the caller's rows). Browser-only; nothing here computes data.
import { downloadBlob } from '../../ui/download';

export function downloadCsv(csv: string, filename: string): void {
  downloadBlob(new Blob([csv], { type: 'text/csv;charset=utf-8' }), filename);
}

/** Rasterises every chart SVG inside `root`, stacked vertically, and downloads a PNG. */
export async function downloadPng(root: HTMLElement, filename: string): Promise<void> {
  const svgs = [...root.querySelectorAll<SVGSVGElement>('svg.recharts-surface')];
  if (svgs.length === 0) throw new Error('There is no chart to export yet.');
  const boxes = svgs.map((s) => s.getBoundingClientRect());
  const width = Math.ceil(Math.max(...boxes.map((b) => b.width)));
  const height = Math.ceil(boxes.reduce((h, b) => h + b.height, 0));
  const ratio = window.devicePixelRatio || 1;
  const canvas = document.createElement('canvas');
  canvas.width = width * ratio;
  canvas.height = height * ratio;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('This browser cannot draw the chart to an image.');
  ctx.scale(ratio, ratio);
  ctx.fillStyle = getComputedStyle(document.body).getPropertyValue('--bg').trim() || '#0b0e13';
  ctx.fillRect(0, 0, width, height);
  let y = 0;
  for (let i = 0; i < svgs.length; i++) {
    const svg = svgs[i]!.cloneNode(true) as SVGSVGElement;
    svg.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
    // Text colours come from CSS; inline the computed fill so the image keeps them.
    svg.querySelectorAll('text').forEach((t) => t.setAttribute('fill', t.getAttribute('fill') ?? '#e8edf3'));
    const url = URL.createObjectURL(new Blob([new XMLSerializer().serializeToString(svg)], { type: 'image/svg+xml' }));
    try {
      const img = new Image();
      await new Promise<void>((resolve, reject) => {
        img.onload = () => resolve();
        img.onerror = () => reject(new Error('The chart could not be rendered to an image.'));
        img.src = url;
      });
      ctx.drawImage(img, 0, y, boxes[i]!.width, boxes[i]!.height);
    } finally {
      URL.revokeObjectURL(url);
    }
    y += boxes[i]!.height;
  }
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
  if (!blob) throw new Error('The chart image could not be encoded.');
  downloadBlob(blob, filename);
}
