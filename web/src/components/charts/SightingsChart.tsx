// Sightings per hour or day, stacked by category: a Chart.js bar chart (canvas, no inline scripts or styles, so it
// runs under the server's CSP). The legend is HTML beside it, so its names and totals are text a screen reader and a
// test can read; the canvas carries a summary as its label and a table of the totals as fallback content.
import { BarElement, CategoryScale, Chart as ChartJS, LinearScale, Tooltip, type ChartOptions } from 'chart.js';
import { useMemo } from 'react';
import { Bar } from 'react-chartjs-2';
import { useTranslation } from 'react-i18next';
import type { CategorySeries } from '../../api-types/dashboard';
import { useApp } from '../../context';
import { categoryLabel } from '../../sighting-terms';

ChartJS.register(BarElement, CategoryScale, LinearScale, Tooltip);

/** One colour per category, told apart by hue and lightness (so also in grey), dark enough on white. */
const COLOURS: Record<string, string> = {
  c2: '#b91c1c',
  malware: '#7c3aed',
  phishing: '#d97706',
  botnet: '#0f766e',
  spam: '#2563eb',
  scanner: '#65a30d',
  blocklist: '#475569',
  other: '#94a3b8',
};

export interface SightingsChartProps {
  bucket: 'hour' | 'day';
  /** Bucket starts, ISO 8601 UTC, oldest first. */
  starts: string[];
  series: CategorySeries[];
}

export function SightingsChart({ bucket, starts, series }: SightingsChartProps) {
  const { t } = useTranslation();
  const { fmt } = useApp();

  const labels = useMemo(() => {
    const format = new Intl.DateTimeFormat(fmt.locale === 'ja' ? 'ja-JP' : 'en-GB', {
      timeZone: fmt.timeZone,
      ...(bucket === 'hour'
        ? { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }
        : { month: 'numeric', day: 'numeric' }),
    });
    return starts.map((s) => format.format(new Date(s)));
  }, [bucket, starts, fmt.locale, fmt.timeZone]);

  const data = useMemo(
    () => ({
      labels,
      datasets: series.map((s) => ({
        label: categoryLabel(s.category, t),
        data: s.counts,
        backgroundColor: COLOURS[s.category] ?? COLOURS.other,
        stack: 'sightings',
      })),
    }),
    [labels, series, t],
  );

  const options = useMemo<ChartOptions<'bar'>>(
    () => ({
      responsive: true,
      maintainAspectRatio: false,
      // Drawn at once: the dashboard is read, not watched, and the page counts as loaded when the chart is there.
      animation: false,
      locale: fmt.locale === 'ja' ? 'ja-JP' : 'en-GB',
      interaction: { mode: 'index', intersect: false },
      plugins: { legend: { display: false }, tooltip: { enabled: true } },
      scales: {
        x: { stacked: true, grid: { display: false }, ticks: { autoSkip: true, maxRotation: 0 } },
        y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
      },
    }),
    [fmt.locale],
  );

  const summary = t('dashboard.chart.label', {
    from: fmt.dateTime(starts[0]),
    to: fmt.dateTime(starts[starts.length - 1]),
  });

  return (
    <div className="chart" data-testid="sightings-chart">
      <div className="chart-canvas">
        <Bar
          data={data}
          options={options}
          aria-label={summary}
          role="img"
          fallbackContent={
            <table>
              <caption>{summary}</caption>
              <tbody>
                {series.map((s) => (
                  <tr key={s.category}>
                    <th scope="row">{categoryLabel(s.category, t)}</th>
                    <td>{fmt.number(s.total)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          }
        />
      </div>
      <ul className="chart-legend" data-testid="chart-legend">
        {series.map((s) => (
          <li key={s.category} data-testid={`chart-series-${s.category}`}>
            <span className="chart-swatch" style={{ backgroundColor: COLOURS[s.category] ?? COLOURS.other }} />
            <span className="chart-series-name" data-testid="chart-series-name">
              {categoryLabel(s.category, t)}
            </span>
            <span className="muted chart-series-total" data-testid="chart-series-total">
              {t('dashboard.chart.total', { total: fmt.number(s.total) })}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
