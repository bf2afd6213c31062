/**
 * Segment-aware prefix test: "/api" matches "/api" and "/api/users" but not "/apiary". A prefix
 * that ends in "/" is a plain string prefix ("/static/" matches "/static/a.css").
 */
export function pathHasPrefix(path: string, prefix: string): boolean {
  if (!path.startsWith(prefix)) return false;
  if (path.length === prefix.length || prefix.endsWith('/')) return true;
  return path.charCodeAt(prefix.length) === 47; /* "/" */
}
