// Chart.js configurations for the model and dataset pages, built from the model card or from an
// evaluation report; components only draw them.
import type { ChartConfiguration } from 'chart.js';
import type { LabelDistribution, ModelCard, SplitReport, TrainingEpoch } from '../lib/modelCard';

export interface NamedChart {
  id: string;
  title: string;
  config: ChartConfiguration;
  /** Shown as its table only: too few points for a line to say anything. */
  tableOnly?: boolean;
}

/** Fewer epochs than this draw a near-flat line between two points; their numbers say more. */
const MIN_EPOCHS_TO_PLOT = 3;

const BLUE = '#2b6cb0';
const RED = '#c53030';
const GREEN = '#2f855a';
const GREY = '#a0aec0';
const axis = (title: string, extra: object = {}): object => ({ title: { display: true, text: title }, ...extra });

/** Age MAE (left axis) and gender accuracy (right axis) along age, in 5-year steps. */
function byAge(report: SplitReport): NamedChart | null {
  if (!report.by_age5) return null;
  const keys = Object.keys(report.by_age5);
  return {
    id: 'by-age',
    title: 'Age error and gender accuracy by true age (test part)',
    config: {
      type: 'line',
      data: {
        labels: keys,
        datasets: [
          {
            label: 'age MAE (years)',
            data: keys.map((k) => report.by_age5![k].age_mae),
            borderColor: BLUE,
            backgroundColor: BLUE,
            yAxisID: 'y',
          },
          {
            label: 'gender accuracy',
            data: keys.map((k) => report.by_age5![k].gender_accuracy),
            borderColor: RED,
            backgroundColor: RED,
            yAxisID: 'y1',
          },
        ],
      },
      options: {
        scales: {
          // Many ages: level labels, some skipped, read better on a phone than all of them slanted
          x: axis('true age', { ticks: { maxRotation: 0, autoSkipPadding: 12 } }),
          y: axis('MAE (years)', { beginAtZero: true }),
          y1: axis('accuracy', { position: 'right', min: 0.5, max: 1 }),
        },
      },
    },
  };
}

/** One bar per age band for each gender. */
function bandByGender(report: SplitReport, metric: 'age_mae' | 'gender_accuracy', title: string): NamedChart | null {
  const cells = report.by_age_band_gender;
  if (!cells) return null;
  const bands = Object.keys(report.by_age_band);
  return {
    id: `band-gender-${metric}`,
    title,
    config: {
      type: 'bar',
      data: {
        labels: bands,
        datasets: (['female', 'male'] as const).map((g, i) => ({
          label: g,
          data: bands.map((b) => cells[`${b}|${g}`]?.[metric] ?? null),
          backgroundColor: i ? BLUE : RED,
        })),
      },
      options: {
        scales: {
          x: axis('age band'),
          y: axis(
            metric === 'age_mae' ? 'MAE (years)' : 'accuracy',
            metric === 'age_mae' ? { beginAtZero: true } : { min: 0, max: 1 },
          ),
        },
      },
    },
  };
}

function byRace(report: SplitReport): NamedChart {
  const races = Object.keys(report.by_race);
  const gap = report.largest_gap?.race;
  return {
    id: 'by-race',
    title: `By race${gap ? `: largest gap ${gap.age_mae.toFixed(2)} years MAE, ${(gap.gender_accuracy * 100).toFixed(1)} points gender accuracy` : ''}`,
    config: {
      type: 'bar',
      data: {
        labels: races,
        datasets: [
          {
            label: 'age MAE (years)',
            data: races.map((r) => report.by_race[r].age_mae),
            backgroundColor: BLUE,
            yAxisID: 'y',
          },
          {
            label: 'gender accuracy',
            data: races.map((r) => report.by_race[r].gender_accuracy),
            backgroundColor: RED,
            yAxisID: 'y1',
          },
        ],
      },
      options: {
        scales: {
          x: axis('race'),
          y: axis('MAE (years)', { beginAtZero: true }),
          y1: axis('accuracy', { position: 'right', min: 0, max: 1 }),
        },
      },
    },
  };
}

function coverage(report: SplitReport, target: number): NamedChart {
  const bands = Object.keys(report.by_age_band);
  return {
    id: 'coverage',
    title: `How often the ${Math.round(target * 100)}% interval holds the true age, by age band`,
    config: {
      type: 'bar',
      data: {
        labels: bands,
        datasets: [
          {
            type: 'bar',
            label: 'coverage',
            data: bands.map((b) => report.by_age_band[b].interval_coverage),
            backgroundColor: GREEN,
          },
          { type: 'line', label: 'target', data: bands.map(() => target), borderColor: GREY, pointRadius: 0 },
        ],
      },
      options: { scales: { x: axis('age band'), y: axis('share covered', { min: 0, max: 1 }) } },
    },
  };
}

function reliability(report: SplitReport): NamedChart | null {
  const bins = report.gender_reliability;
  if (!bins) return null;
  return {
    id: 'reliability',
    title: 'Calibration of the gender probability (test part)',
    config: {
      type: 'scatter',
      data: {
        datasets: [
          {
            label: 'observed share of women',
            data: bins.map((b) => ({ x: b.mean_predicted, y: b.observed_female })),
            backgroundColor: RED,
            showLine: true,
            borderColor: RED,
          },
          {
            label: 'perfect calibration',
            data: [
              { x: 0, y: 0 },
              { x: 1, y: 1 },
            ],
            showLine: true,
            borderColor: GREY,
            pointRadius: 0,
          },
        ],
      },
      options: {
        scales: {
          x: axis('predicted probability of female', { min: 0, max: 1 }),
          y: axis('observed share', { min: 0, max: 1 }),
        },
      },
    },
  };
}

/** Train loss and the val figures, epoch by epoch. */
export function trainingCurves(card: ModelCard): NamedChart {
  const h = card.training.history;
  // The val figures of the weights the card's model has: the raw ones where those were delivered.
  const raw = card.training.delivered_weights === 'raw' && h.every((e) => e.val_age_mae_raw !== undefined);
  const mae = (e: TrainingEpoch): number => (raw ? e.val_age_mae_raw! : e.val_age_mae);
  const accuracy = (e: TrainingEpoch): number => (raw ? e.val_gender_accuracy_raw! : e.val_gender_accuracy);
  return {
    id: 'training',
    title: `Training, epoch by epoch${raw ? ' (raw weights, as delivered)' : ''}`,
    tableOnly: h.length < MIN_EPOCHS_TO_PLOT,
    config: {
      type: 'line',
      data: {
        labels: h.map((e) => e.epoch),
        datasets: [
          {
            label: 'train loss',
            data: h.map((e) => e.train_loss),
            borderColor: GREY,
            backgroundColor: GREY,
            yAxisID: 'y',
          },
          { label: 'val age MAE (years)', data: h.map(mae), borderColor: BLUE, backgroundColor: BLUE, yAxisID: 'y' },
          {
            label: 'val gender accuracy',
            data: h.map(accuracy),
            borderColor: RED,
            backgroundColor: RED,
            yAxisID: 'y1',
          },
        ],
      },
      options: {
        scales: {
          x: axis('epoch'),
          y: axis('loss / MAE', { beginAtZero: true }),
          y1: axis('accuracy', { position: 'right', min: 0.5, max: 1 }),
        },
      },
    },
  };
}

/** The model page's plots of the card's test part. */
export function modelCharts(card: ModelCard): NamedChart[] {
  const test = card.metrics.test;
  if (!test) return [];
  return [
    byAge(test),
    bandByGender(test, 'age_mae', 'Age error (MAE) by age band and gender'),
    bandByGender(test, 'gender_accuracy', 'Gender accuracy by age band and gender'),
    byRace(test),
    coverage(test, card.calibration.coverage),
    reliability(test),
  ].filter((c): c is NamedChart => c !== null);
}

/** Plots of an evaluation made in the browser (the same per-group metrics as the card). */
export function reportCharts(report: SplitReport, target: number): NamedChart[] {
  return [byRace(report), coverage(report, target)];
}

/** The dataset page's plots: ages, genders and races of each split. */
export function distributionCharts(distribution: Record<string, LabelDistribution>): NamedChart[] {
  const splits = Object.keys(distribution);
  const colours = [BLUE, RED, GREEN];
  const maxAge = Math.max(...splits.flatMap((s) => Object.keys(distribution[s].age).map(Number)));
  const ages = Array.from({ length: maxAge + 1 }, (_, a) => a);
  const categorical = (key: 'gender' | 'race', title: string): NamedChart => {
    const labels = Object.keys(distribution[splits[0]][key]);
    return {
      id: `dataset-${key}`,
      title,
      config: {
        type: 'bar',
        data: {
          labels,
          datasets: splits.map((s, i) => ({
            label: s,
            data: labels.map((l) => distribution[s][key][l] ?? 0),
            backgroundColor: colours[i % 3],
          })),
        },
        options: { scales: { x: axis(key), y: axis('faces', { beginAtZero: true }) } },
      },
    };
  };
  return [
    {
      id: 'dataset-age',
      title: 'Faces per year of age',
      config: {
        type: 'bar',
        data: {
          labels: ages,
          datasets: splits.map((s, i) => ({
            label: s,
            data: ages.map((a) => distribution[s].age[a] ?? 0),
            backgroundColor: colours[i % 3],
          })),
        },
        options: {
          scales: { x: axis('age', { stacked: true }), y: axis('faces', { stacked: true, beginAtZero: true }) },
        },
      },
    },
    categorical('gender', 'Faces per gender'),
    categorical('race', 'Faces per race (UTKFace labels)'),
  ];
}

/**
 * A chart's numbers as a table (its text alternative): a row per label or point, a column per data set; the first
 * column is named after the x axis (or "point").
 */
export function chartTable(chart: NamedChart): { head: string[]; rows: string[][] } {
  const { labels = [], datasets } = chart.config.data;
  const x = (chart.config.options?.scales as Record<string, { title?: { text?: string } }> | undefined)?.x;
  const cell = (v: unknown): string =>
    typeof v === 'number'
      ? Number.isInteger(v)
        ? String(v)
        : v.toFixed(3)
      : v && typeof v === 'object' && 'x' in v && 'y' in v
        ? `${cell(v.x)}, ${cell(v.y)}`
        : '–';
  const length = Math.max(labels.length, ...datasets.map((d) => d.data.length));
  return {
    head: [labels.length ? (x?.title?.text ?? 'group') : 'point', ...datasets.map((d) => d.label ?? '')],
    rows: Array.from({ length }, (_, i) => [
      labels.length ? String(labels[i] ?? '') : String(i + 1),
      ...datasets.map((d) => cell(d.data[i])),
    ]),
  };
}
