// @vitest-environment happy-dom
import { useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { nextTabIndex, TabPanel, Tabs } from './Tabs';

afterEach(cleanup);

const ITEMS = [
  { key: 'imaging', label: 'Imaging' },
  { key: 'anatomy', label: 'Anatomy' },
  { key: 'twin', label: 'Twin' },
  { key: 'scenarios', label: 'Scenarios' },
] as const;
type Key = (typeof ITEMS)[number]['key'];

function Harness(props: { initial: Key }) {
  const [selected, setSelected] = useState<Key>(props.initial);
  return (
    <>
      <Tabs label="Workspace" idPrefix="t" items={ITEMS} selected={selected} onSelect={setSelected} />
      <TabPanel idPrefix="t" tabKey={selected}>
        panel {selected}
      </TabPanel>
    </>
  );
}

describe('nextTabIndex', () => {
  it('wraps with arrows and jumps with Home/End', () => {
    expect(nextTabIndex('ArrowRight', 3, 4)).toBe(0);
    expect(nextTabIndex('ArrowLeft', 0, 4)).toBe(3);
    expect(nextTabIndex('Home', 2, 4)).toBe(0);
    expect(nextTabIndex('End', 0, 4)).toBe(3);
    expect(nextTabIndex('ArrowDown', 0, 4)).toBeNull();
    expect(nextTabIndex('ArrowRight', 0, 0)).toBeNull();
  });
});

describe('Tabs', () => {
  it('exposes tabs by name with one tab stop on the selected tab, linked to its panel', () => {
    render(<Harness initial="anatomy" />);
    const tabs = screen.getAllByRole('tab');
    expect(tabs.map((t) => t.textContent)).toEqual(['Imaging', 'Anatomy', 'Twin', 'Scenarios']);
    const anatomy = screen.getByRole('tab', { name: 'Anatomy' });
    expect(anatomy.getAttribute('aria-selected')).toBe('true');
    expect(tabs.map((t) => t.tabIndex)).toEqual([-1, 0, -1, -1]);
    const panel = screen.getByRole('tabpanel');
    expect(panel.getAttribute('aria-labelledby')).toBe(anatomy.id);
    expect(anatomy.getAttribute('aria-controls')).toBe(panel.id);
  });

  it('moves focus and selection with arrow keys, Home and End', () => {
    render(<Harness initial="anatomy" />);
    const anatomy = screen.getByRole('tab', { name: 'Anatomy' });
    anatomy.focus();
    fireEvent.keyDown(anatomy, { key: 'ArrowRight' });
    const twin = screen.getByRole('tab', { name: 'Twin' });
    expect(twin.getAttribute('aria-selected')).toBe('true');
    expect(document.activeElement).toBe(twin);
    expect(screen.getByRole('tabpanel').textContent).toBe('panel twin');

    fireEvent.keyDown(twin, { key: 'End' });
    expect(document.activeElement).toBe(screen.getByRole('tab', { name: 'Scenarios' }));
    fireEvent.keyDown(document.activeElement!, { key: 'ArrowRight' });
    expect(screen.getByRole('tab', { name: 'Imaging' }).getAttribute('aria-selected')).toBe('true');
    fireEvent.keyDown(document.activeElement!, { key: 'ArrowLeft' });
    expect(screen.getByRole('tab', { name: 'Scenarios' }).getAttribute('aria-selected')).toBe('true');
    fireEvent.keyDown(document.activeElement!, { key: 'Home' });
    expect(document.activeElement).toBe(screen.getByRole('tab', { name: 'Imaging' }));
  });

  it('selects on click', () => {
    render(<Harness initial="imaging" />);
    fireEvent.click(screen.getByRole('tab', { name: 'Scenarios' }));
    expect(screen.getByRole('tab', { name: 'Scenarios' }).getAttribute('aria-selected')).toBe('true');
  });
});
