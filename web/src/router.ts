/** Hash routes (#/sites/…): the server serves one page; an invite token in the fragment never reaches a log. */
import { signal } from '@preact/signals';

export const route = signal<string[]>(parse());

function parse(): string[] {
  return location.hash.replace(/^#\/?/, '').split('?')[0].split('/').filter(Boolean).map(decodeURIComponent);
}

addEventListener('hashchange', () => {
  route.value = parse();
});

export function go(path: string): void {
  location.hash = `#${path}`;
}

export const href = (path: string) => `#${path}`;
