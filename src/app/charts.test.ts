import { describe, expect, it } from 'vitest';
import { chartTable, type NamedChart } from './charts';

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
      head: ['', 'female', 'male'],
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
    expect(chartTable(chart)).toEqual({ head: ['', 'faces'], rows: [['1', '1, 0.500']] });
  });
});
