// k-means quality and determinism (SPEC §3 mart_clusters): the fit must be
// at least as good as scikit-learn's KMeans(n_init=10), i.e. inertia within
// 1 % of the best a many-restart search finds, and the same input must give
// the same clusters.
import { describe, expect, it } from "vitest";
import { fitClusters } from "../../src/cluster/fit-clusters.ts";
import { kMeans, kMeansPlusPlus, lloyd, type WeightedPoints } from "../../src/cluster/kmeans.ts";
import { mean, silhouettes } from "../../src/cluster/silhouette.ts";
import { Random } from "../../src/generate/random.ts";
import { referenceKMeans, silhouetteValues } from "../conformance/reference/clusters.ts";

/** Log-normal-ish RFM-like blobs in 3 dimensions, one point per buyer. */
function blobs(n: number, seed: number, spread = 0.8): number[][] {
  const random = new Random(seed);
  const centres = [
    [0, 0, 0],
    [2, 1, 0.5],
    [-1, 2, 2],
    [1.5, -1.5, 1],
    [-2, -1, -1.5],
  ];
  return Array.from({ length: n }, () => {
    const centre = random.pick(centres);
    return centre.map((value) => value + random.normal(0, spread));
  });
}

function asPoints(rows: readonly number[][]): WeightedPoints {
  return {
    dimensions: 3,
    coordinates: Float64Array.from(rows.flat()),
    weights: new Float64Array(rows.length).fill(1),
  };
}

describe("kMeans", () => {
  it.each([2, 3, 4, 5, 6])(
    "k = %i: inertia within 1 percent of a 200-restart reference",
    (k) => {
      for (const seed of [1, 2, 3]) {
        const rows = blobs(600, seed);
        const fit = kMeans(asPoints(rows), k, { restarts: 10 });
        const reference = referenceKMeans(rows, k, 200, seed);
        expect(fit.converged).toBe(true);
        expect(fit.inertia).toBeLessThanOrEqual(reference.inertia * 1.01);
      }
    },
    60_000,
  );

  it("treats a weighted point like that many copies of it", () => {
    const rows = blobs(300, 9);
    const doubled = kMeans(asPoints([...rows, ...rows]), 3, { restarts: 10 });
    const weighted = kMeans(
      { ...asPoints(rows), weights: new Float64Array(rows.length).fill(2) },
      3,
      { restarts: 10 },
    );
    expect(weighted.inertia).toBeCloseTo(doubled.inertia, 6);
  });

  it("is deterministic", () => {
    const points = asPoints(blobs(500, 4));
    const a = kMeans(points, 4);
    const b = kMeans(points, 4);
    expect([...a.labels]).toEqual([...b.labels]);
    expect([...a.centres]).toEqual([...b.centres]);
  });
});

/** The same points with a fourth coordinate of 0, which takes the general (not three-feature) paths. */
function padded(coordinates: Float64Array): Float64Array {
  const n = coordinates.length / 3;
  const out = new Float64Array(n * 4);
  for (let i = 0; i < n; i++) out.set(coordinates.subarray(i * 3, i * 3 + 3), i * 4);
  return out;
}

describe("lloyd", () => {
  it("gives bit for bit the same fit on its three-feature path as on the general one", () => {
    const points = asPoints(blobs(800, 6));
    const wide = { ...points, dimensions: 4, coordinates: padded(points.coordinates) };
    for (const k of [2, 4, 6]) {
      const start = kMeansPlusPlus(points, k, new Random(3, k));
      const three = lloyd(points, start, 300);
      const four = lloyd(wide, padded(start), 300);
      expect(three.iterations).toBe(four.iterations);
      expect(three.inertia).toBe(four.inertia);
      expect([...three.labels]).toEqual([...four.labels]);
      expect([...padded(three.centres)]).toEqual([...four.centres]);
    }
  });
});

describe("silhouettes", () => {
  it("are bit for bit the same on either path, and the same to rounding alone or sharing the pass", () => {
    const rows = blobs(300, 7);
    const coordinates = Float64Array.from(rows.flat());
    const labelings = [2, 3, 5].map((k) => ({
      k,
      labels: Int32Array.from(rows, (_, i) => (i * 7 + (i >> 2)) % k),
    }));
    const shared = silhouettes({ dimensions: 3, coordinates }, labelings);
    const general = silhouettes({ dimensions: 4, coordinates: padded(coordinates) }, labelings);
    labelings.forEach((labeling, l) => {
      const [alone] = silhouettes({ dimensions: 3, coordinates }, [labeling]);
      expect([...(general[l] as Float64Array)]).toEqual([...(shared[l] as Float64Array)]);
      (alone as Float64Array).forEach((value, i) => {
        expect(shared[l]?.[i]).toBeCloseTo(value, 12);
      });
    });
  });

  it("match a direct O(n²) computation for every labeling of a pass, 0 for a member alone in its cluster", () => {
    const rows = blobs(200, 5);
    // Labelings that cut across each other, so that the pass groups points into many cells.
    const labelings = [
      rows.map((_, i) => (i === 0 ? 3 : i % 3)),
      rows.map((row) => ((row[0] as number) > 0 ? 1 : 0)),
      rows.map((_, i) => (i * 5 + (i >> 3)) % 6),
    ];
    const values = silhouettes(
      { dimensions: 3, coordinates: Float64Array.from(rows.flat()) },
      labelings.map((labels) => ({
        k: Math.max(...labels) + 1,
        labels: Int32Array.from(labels),
      })),
    );
    expect(values[0]?.[0]).toBe(0);
    labelings.forEach((labels, l) => {
      const expected = silhouetteValues(rows, labels);
      for (let i = 0; i < rows.length; i++)
        expect(values[l]?.[i]).toBeCloseTo(expected[i] as number, 12);
    });
  });
});

describe("fitClusters", () => {
  it("chooses the k of the planted blobs and numbers clusters by mean monetary", () => {
    const rows = blobs(2000, 11, 0.3);
    const points = asPoints(rows);
    const monetary = Float64Array.from(rows.map((row) => Math.exp(row[2] as number)));
    const fit = fitClusters({ points, monetary, sample: points.coordinates, maxClusters: 6 });
    expect(fit?.k).toBe(5);
    const means = Array.from({ length: fit?.k ?? 0 }, (_, c) => {
      const members = rows.flatMap((_, i) => (fit?.labels[i] === c ? [monetary[i] as number] : []));
      return members.reduce((a, b) => a + b, 0) / members.length;
    });
    expect(means).toEqual([...means].sort((a, b) => a - b));
    const best = Math.max(...(fit?.candidates ?? []).map((c) => c.silhouette));
    expect(fit?.silhouette).toBeCloseTo(best, 12);
    // The chosen k's silhouettes come from the shared pass: they are those of its final labels.
    const [values] = silhouettes({ dimensions: 3, coordinates: points.coordinates }, [
      { k: fit?.k ?? 0, labels: fit?.labels ?? new Int32Array() },
    ]);
    expect(fit?.silhouette).toBeCloseTo(mean(values as Float64Array), 12);
    const perCluster = Array.from({ length: fit?.k ?? 0 }, (_, c) => {
      let sum = 0;
      let members = 0;
      fit?.labels.forEach((label, i) => {
        if (label !== c) return;
        sum += values?.[i] as number;
        members += 1;
      });
      return sum / members;
    });
    expect(fit?.clusterSilhouettes.length).toBe(perCluster.length);
    perCluster.forEach((value, c) => {
      expect(fit?.clusterSilhouettes[c]).toBeCloseTo(value, 12);
    });
  });

  it("keeps silhouettes right when renumbering moves a sampled point that is as near to two centres", () => {
    const rows = [
      [-1, 0, 0],
      [-1, 1, 0],
      [-1, -1, 0],
      [1, 0, 0],
      [1, 1, 0],
      [1, -1, 0],
    ];
    const points = asPoints(rows);
    // (0, 0, 0) is exactly as far from both centres: its cluster depends on their numbers.
    const sample = Float64Array.from([...rows, [0, 0, 0], [0, 0.5, 0]].flat());
    for (const leftSpends of [1, 100]) {
      const monetary = Float64Array.from(rows, (row) => (row[0] === -1 ? leftSpends : 10));
      const fit = fitClusters({ points, monetary, sample, maxClusters: 2 });
      const labels = Int32Array.from({ length: sample.length / 3 }, (_, i) => {
        const [x0, x1, x2] = [sample[i * 3], sample[i * 3 + 1], sample[i * 3 + 2]] as number[];
        const distance = (c: number) =>
          ((x0 as number) - (fit?.centres[c * 3] as number)) ** 2 +
          ((x1 as number) - (fit?.centres[c * 3 + 1] as number)) ** 2 +
          ((x2 as number) - (fit?.centres[c * 3 + 2] as number)) ** 2;
        return distance(1) < distance(0) ? 1 : 0;
      });
      const [values] = silhouettes({ dimensions: 3, coordinates: sample }, [{ k: 2, labels }]);
      expect(fit?.silhouette).toBe(mean(values as Float64Array));
    }
  });

  it("refines subsample starts on all points and stays within 1 % of the full search", () => {
    const rows = blobs(6000, 12);
    const points = asPoints(rows);
    const monetary = Float64Array.from(rows.map((row) => row[2] as number));
    const fit = fitClusters(
      { points, monetary, sample: points.coordinates.slice(0, 3000), maxClusters: 4 },
      { restartSampleSize: 1000 },
    );
    for (const candidate of fit?.candidates ?? []) {
      const full = kMeans(points, candidate.k, { restarts: 30 });
      expect(candidate.inertia).toBeLessThanOrEqual(full.inertia * 1.01);
    }
  });

  it("returns null when every point is the same", () => {
    const points = asPoints([
      [1, 1, 1],
      [1, 1, 1],
      [1, 1, 1],
    ]);
    points.weights.set([1]);
    const single = {
      dimensions: 3,
      coordinates: Float64Array.of(1, 1, 1),
      weights: Float64Array.of(3),
    };
    expect(
      fitClusters({
        points: single,
        monetary: Float64Array.of(5),
        sample: points.coordinates,
        maxClusters: 6,
      }),
    ).toBeNull();
  });
});
