import qrcode from "qrcode-generator";
import { useMemo } from "react";

/**
 * A QR code as an SVG built from the module matrix (one path, no HTML strings). Error
 * correction "M" survives a scratched or dusty label on a press; the quiet zone is 4 modules,
 * as the standard asks, so scanners find it on any background.
 */
export function QrCode({ value, size = 192, label }: { value: string; size?: number; label: string }) {
  const { count, path } = useMemo(() => {
    const qr = qrcode(0, "M");
    qr.addData(value, "Byte");
    qr.make();
    const n = qr.getModuleCount();
    let d = "";
    for (let row = 0; row < n; row++) {
      for (let col = 0; col < n; col++) {
        if (qr.isDark(row, col)) d += `M${col + 4} ${row + 4}h1v1h-1z`;
      }
    }
    return { count: n + 8, path: d };
  }, [value]);
  return (
    <svg
      role="img"
      aria-label={label}
      data-testid="qr-code"
      data-value={value}
      viewBox={`0 0 ${count} ${count}`}
      width={size}
      height={size}
      shapeRendering="crispEdges"
    >
      <rect width={count} height={count} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  );
}
