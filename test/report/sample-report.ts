// Reports built in code for the renderer tests and the benchmark: one shaped like a real two-layer
// image comparison, and a generator of large reports with varied categories, layers and packages.
import { CATEGORIES, type Finding, type Report } from '../../src/core/finding.js';
import { Findings } from '../../src/core/findings.js';

function report(findings: Finding[], extra: Partial<Report> = {}): Report {
  return {
    schema: 'repro-report/2',
    identical: findings.length === 0,
    inputs: [
      { path: '/tmp/build-1/image.oci.tar', kind: 'oci-archive', digest: 'sha256:' + 'a1'.repeat(32) },
      { path: '/tmp/build-2/image.oci.tar', kind: 'oci-archive', digest: 'sha256:' + 'b2'.repeat(32) },
    ],
    findings: Findings.from(findings),
    ignored: [],
    warnings: [],
    ...extra,
  };
}

export function sampleReport(): Report {
  const findings: Finding[] = [
    {
      path: '/etc/machine-id', layer: 1, category: 'random-id', package: 'systemd',
      code: 'text', facts: [{ token: '32-hex token', line: 1, a: '5f0c2a9e8b7d4e1fa3c6b9d2e5f80714', b: '0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e' }],
      detail: '@@ -1 +1 @@\n-4f3c2a9d8e7b6a5f4e3d2c1b0a998877\n+0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e',
    },
    {
      path: '/etc/group', layer: 1, category: 'ordering', package: 'base-passwd',
      code: 'legacy', facts: [{ note: 'same 3 lines in another order' }],
      detail: '@@ -1,4 +1,4 @@\n root:x:0:\n-daemon:x:1:\n-bin:x:2:\n+bin:x:2:\n+daemon:x:1:\n sys:x:3:',
    },
    {
      path: '/var/log/dpkg.log', layer: 1, category: 'timestamp', package: 'dpkg',
      code: 'legacy', facts: [{ note: 'only date/time tokens differ (2 lines)' }],
      detail:
        '@@ -1,3 +1,3 @@\n-2026-11-27 10:01:02 startup archives unpack\n-2026-11-27 10:01:03 install base-files:amd64 <none> 12.4\n' +
        '+2026-11-27 10:07:41 startup archives unpack\n+2026-11-27 10:07:42 install base-files:amd64 <none> 12.4\n status installed base-files:amd64 12.4',
    },
    {
      path: '/var/cache/ld/aux-cache', layer: 1, category: 'binary', code: 'legacy', facts: [{ note: 'binary content differs at 2 of 64 bytes' }],
      detail:
        '@@ -1,2 +1,2 @@\n-00000000: 676c 6962 632d 6c64 2e73 6f2d 312e 372e  glibc-ld.so-1.7.\n' +
        '+00000000: 676c 6962 632d 6c64 2e73 6f2d 312e 382e  glibc-ld.so-1.8.\n 00000010: 3000 0000 0a00 0000 0000 0000 0000 0000  0...............',
    },
    {
      path: '/usr/share/doc/changelog.gz', layer: 0, category: 'compression-metadata', inner: 'gzip header',
      code: 'legacy', facts: [{ note: 'gzip header mtime differs; content identical' }],
      detail: '-mtime: 1764237662\n+mtime: 1764238061',
    },
    { path: '/usr/share/doc/README', layer: 0, category: 'mtime', code: 'legacy', facts: [{ note: 'mtime 1764237662 → 1764238061' }], detail: '' },
    { path: '/var/lib/extra-state', layer: 1, category: 'added', code: 'legacy', facts: [{ note: 'only in B (file, 17 bytes)' }], detail: '' },
    {
      path: '/usr/bin/gunzip', layer: 0, category: 'ordering', package: 'gzip',
      code: 'legacy', facts: [{ note: 'hardlink pair stored the other way round (/usr/bin/uncompress)' }],
      detail: '-type: file\n-linkname: \n+type: hardlink\n+linkname: usr/bin/uncompress',
    },
    {
      path: '', category: 'image-metadata', code: 'legacy', facts: [{ note: 'config created and history[].created differ' }],
      detail: '@@ -1,3 +1,3 @@\n {\n-  "created": "2026-11-27T10:01:00Z",\n+  "created": "2026-11-27T10:07:38Z",\n   "architecture": "amd64"',
    },
  ];
  return report(findings, { warnings: ['layer 1: tar has no end-of-archive marker'] });
}

export function identicalReport(): Report {
  return report([]);
}

/** A big report: `n` findings spread over 3 layers, 40 packages, deep paths, most with a small diff. */
export function largeReport(n: number): Report {
  const findings: Finding[] = [];
  for (let i = 0; i < n; i++) {
    const category = CATEGORIES[(i * 7) % CATEGORIES.length]!;
    const dir = `usr/share/pkg${i % 97}/sub${i % 13}`;
    const detail =
      category === 'mtime' || category === 'added'
        ? ''
        : `@@ -${i % 50 + 1},2 +${i % 50 + 1},2 @@\n-value ${i} built at 2026-11-27 10:${String(i % 60).padStart(2, '0')}\n+value ${i} built at 2026-11-27 11:${String((i * 3) % 60).padStart(2, '0')}\n context line ${i}`;
    findings.push({
      path: `/${dir}/file-${i}.txt`,
      layer: i % 3,
      category,
      package: `pkg-${i % 40}`,
      code: 'legacy', facts: [{ note: `${category} difference number ${i}` }],
      detail,
    });
  }
  return report(findings);
}

export function hostileReport(): Report {
  const evil = '/etc/</script><img src=x onerror=alert(1)>\u2028<!--';
  return report([
    {
      path: evil, layer: 0, category: 'content', package: '<b>pkg</b>',
      code: 'legacy', facts: [{ note: '"><svg onload=alert(2)>' }], detail: '@@ -1 +1 @@\n-</script><script>alert(3)</script>\n+safe',
      inner: "data.tar.gz/'\"><x>",
    },
  ]);
}

/** The shape `repro check` produces: the diff report plus builds, variations, phases and packages. */
export function checkReport(): Report {
  const base = sampleReport();
  return {
    ...base,
    reproducible: false,
    manifest: 'fixtures/demo.yml',
    durationMs: 81234,
    builds: [
      { label: 'A', manifestDigest: 'sha256:' + 'c3'.repeat(32), durationMs: 40100, epoch: 1700000000 },
      { label: 'B', manifestDigest: 'sha256:' + 'd4'.repeat(32), durationMs: 41100, epoch: 1700000000 },
    ],
    variations: { applied: [{ name: 'time', summary: 'clock +1 day (faketime)' }], skipped: [{ name: 'hostname', reason: 'needs root' }] },
    phases: [
      { index: 0, phase: 'os', digests: ['sha256:' + 'e5'.repeat(32), 'sha256:' + 'e5'.repeat(32)], identical: true, findings: 0, categories: {} },
      { index: 1, phase: 'packages', digests: ['sha256:' + 'f6'.repeat(32), 'sha256:' + 'a7'.repeat(32)], identical: false, findings: 5, categories: { 'random-id': 1, timestamp: 1, ordering: 1, binary: 1, added: 1 } },
    ],
    packages: {
      packages: [{ name: 'systemd', files: [{ path: '/etc/machine-id', categories: ['random-id'] }] }],
      unowned: [{ path: '/var/lib/extra-state', categories: ['added'] }],
    },
  };
}
