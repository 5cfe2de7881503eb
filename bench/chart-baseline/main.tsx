// The chart baseline's page (bundled by bench/chart.ts): Vigil's own LossChart given RAW points, no
// downsampling, as a UI that sends every point would draw them. A click on the button renders it.

import { useState } from 'react';
import { createRoot } from 'react-dom/client';
import { LossChart } from '../../src/renderer/components/LossChart';
import type { MetricSeries } from '../../src/shared/contract';

const N = Number(new URLSearchParams(location.search).get('n') ?? 20000);
const points = Array.from({ length: N }, (_, i) => {
  const y = 2 / (1 + i / 500) + (i % 7) * 0.001;
  return { x: i, y, min: y, max: y };
});
const series: MetricSeries[] = [{ metric: 'loss', totalPoints: N, points }];

function App() {
  const [shown, setShown] = useState(false);
  return (
    <main>
      <button type="button" id="show" onClick={() => setShown(true)}>
        show
      </button>
      <figure>
        {shown && <LossChart series={series} smoothing={0.6} logScale={false} x="step" width={388} />}
      </figure>
    </main>
  );
}

createRoot(document.getElementById('root')!).render(<App />);
