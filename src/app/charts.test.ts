import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ModelCard } from '../lib/modelCard';
import { chartTable, modelCharts, type NamedChart, trainingCurves } from './charts';

const read = (model: string): ModelCard =>
  JSON.parse(readFileSync(`public/models/${model}/model-card.json`, 'utf8')) as ModelCard;

describe('chartTable', () => {
  it('gives a row per label and a column per data set, with missing values as a dash', () => {
    const chart: NamedChart = {
      id: 'c',
      title: 'T',
      config: {
        type: 'bar',
        data: {
          labels: ['0-3', '4-8'],
          datasets: [
            { label: 'female', data: [1.23456, null] },
            { label: 'male', data: [2, 3] },
          ],
        },
      },
    };
    expect(chartTable(chart)).toEqual({
      head: ['group', 'female', 'male'],
      rows: [
        ['0-3', '1.235', '2'],
        ['4-8', '–', '3'],
      ],
    });
  });

  it('numbers the points of a scatter chart and shows x, y', () => {
    const chart: NamedChart = {
      id: 's',
      title: 'S',
      config: { type: 'scatter', data: { datasets: [{ label: 'faces', data: [{ x: 1, y: 0.5 }] }] } },
    };
    expect(chartTable(chart)).toEqual({ head: ['point', 'faces'], rows: [['1', '1, 0.500']] });
  });

  it('names the label column after the x axis, so that no header cell is empty', () => {
    for (const chart of modelCharts(read('agegender')))
      expect(
        chartTable(chart).head.every((h) => h !== ''),
        chart.id,
      ).toBe(true);
    const byAge = modelCharts(read('agegender')).find((c) => c.id === 'by-age')!;
    expect(chartTable(byAge).head[0]).toBe('true age');
  });
});

describe('trainingCurves', () => {
  it('is a table only when too few epochs would draw a flat line, and a plot from three epochs', () => {
    const card = read('agegender-fast');
    expect(card.training.history.length).toBeGreaterThanOrEqual(3);
    expect(trainingCurves(card).tableOnly).toBe(false);
    card.training.history = card.training.history.slice(0, 2);
    const two = trainingCurves(card);
    expect(two.tableOnly).toBe(true);
    expect(chartTable(two).rows.map((r) => r[0])).toEqual(['1', '2']);
    expect(chartTable(two).head[0]).toBe('epoch');
  });

  it('is not among the plots of the test part', () => {
    expect(modelCharts(read('agegender')).map((c) => c.id)).not.toContain('training');
    const card = read('agegender');
    const { test: _test, ...others } = card.metrics;
    expect(modelCharts({ ...card, metrics: others })).toEqual([]);
  });
});
