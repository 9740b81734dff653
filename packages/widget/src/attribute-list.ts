/**
 * An attribute holding a list (`reasons="临床必需,已知情同意"`): split on the separators a HIS vendor types, ASCII or
 * Chinese. undefined when the attribute is absent or holds no item, so the caller's default applies.
 */
export function splitList(value: string | null): string[] | undefined {
  if (value === null) return undefined;
  const items = value
    .split(/[,，、|]/)
    .map((item) => item.trim())
    .filter((item) => item !== '');
  return items.length > 0 ? items : undefined;
}
