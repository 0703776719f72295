// WAI-ARIA tabs (https://www.w3.org/WAI/ARIA/apg/patterns/tabs/): one tab stop for the list
// (roving tabindex), Left/Right wrap around, Home/End jump, automatic activation. The panel is
// rendered by the caller inside <TabPanel> so that routes can own the content.
import { useRef, type KeyboardEvent, type ReactNode } from 'react';

export interface TabItem<K extends string> {
  key: K;
  label: string;
}

export const tabId = (prefix: string, key: string) => `${prefix}-tab-${key}`;
export const panelId = (prefix: string, key: string) => `${prefix}-panel-${key}`;

/** Index reached from `current` by a key press, or null when the key is not a tab-list key. */
export function nextTabIndex(key: string, current: number, count: number): number | null {
  if (count === 0) return null;
  switch (key) {
    case 'ArrowRight':
      return (current + 1) % count;
    case 'ArrowLeft':
      return (current - 1 + count) % count;
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    default:
      return null;
  }
}

export function Tabs<K extends string>(props: {
  label: string;
  idPrefix: string;
  items: readonly TabItem<K>[];
  selected: K | null;
  onSelect: (key: K) => void;
}): ReactNode {
  const { label, idPrefix, items, selected, onSelect } = props;
  const refs = useRef<(HTMLButtonElement | null)[]>([]);
  const selectedIndex = Math.max(0, items.findIndex((t) => t.key === selected));

  const onKeyDown = (e: KeyboardEvent<HTMLButtonElement>, index: number) => {
    const next = nextTabIndex(e.key, index, items.length);
    if (next === null) return;
    e.preventDefault();
    const item = items[next];
    if (!item) return;
    refs.current[next]?.focus();
    onSelect(item.key);
  };

  return (
    <div role="tablist" aria-label={label} className="tabs">
      {items.map((item, i) => {
        const isSelected = item.key === selected;
        return (
          <button
            key={item.key}
            ref={(el) => {
              refs.current[i] = el;
            }}
            type="button"
            role="tab"
            id={tabId(idPrefix, item.key)}
            aria-selected={isSelected}
            aria-controls={panelId(idPrefix, item.key)}
            tabIndex={i === selectedIndex ? 0 : -1}
            className="tab"
            onClick={() => onSelect(item.key)}
            onKeyDown={(e) => onKeyDown(e, i)}
          >
            {item.label}
          </button>
        );
      })}
    </div>
  );
}

export function TabPanel(props: { idPrefix: string; tabKey: string; children: ReactNode }): ReactNode {
  return (
    <div
      role="tabpanel"
      id={panelId(props.idPrefix, props.tabKey)}
      aria-labelledby={tabId(props.idPrefix, props.tabKey)}
      className="tabpanel"
      tabIndex={0}
    >
      {props.children}
    </div>
  );
}
