const UNITS = ["KiB", "MiB", "GiB", "TiB"] as const;

/** A size the way a person reads it: `812 bytes`, `1.5 KiB`, `64 MiB`, `5.0 GiB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  let value = bytes;
  let unit = 0;
  for (value /= 1024; value >= 1024 && unit < UNITS.length - 1; value /= 1024) unit++;
  const digits = Number.isInteger(value) ? 0 : 1;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}
