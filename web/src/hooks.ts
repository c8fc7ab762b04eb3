import type { RefObject } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

/** the width of an element, followed as it resizes */
export function useWidth<T extends HTMLElement>(): [RefObject<T | null>, number] {
  const ref = useRef<T>(null);
  const [w, setW] = useState(320);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    setW(el.clientWidth);
    const ro = new ResizeObserver(() => setW(el.clientWidth));
    ro.observe(el);
    return () => ro.disconnect();
  }, [ref.current]);
  return [ref, w];
}

/** an async value that reloads when `deps` change; stale answers are dropped */
export function useAsync<T>(load: () => Promise<T> | null, deps: unknown[]): { value: T | null; error: unknown; loading: boolean; key?: string } {
  const [state, setState] = useState<{ value: T | null; error: unknown; loading: boolean; key?: string }>({ value: null, error: null, loading: true });
  useEffect(() => {
    let live = true;
    const p = load();
    if (!p) return;
    setState((s) => ({ ...s, loading: true }));
    // `key`: the deps the value was loaded for (tests and the bench wait for it)
    const key = JSON.stringify(deps);
    p.then((value) => live && setState({ value, error: null, loading: false, key }), (error) => live && setState({ value: null, error, loading: false, key }));
    return () => {
      live = false;
    };
  }, deps);
  return state;
}
