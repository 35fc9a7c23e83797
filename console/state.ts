/**
 * State of the picked account and region: collections (faces with thumbnails, users), video jobs
 * (results on a timeline), media analysis jobs, Custom Labels projects (datasets, versions and
 * their evaluation), stream processors (and their last session).
 */
import { get, imageUrl } from './api';
import { h, json, show, svg, time } from './dom';
import { progressText } from './progress';
import { tracksOf } from './timeline';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const table = (id: string, heads: string[], rows: HTMLElement[], empty: string) =>
  rows.length ? h('table', { class: 'list', id }, h('thead', {}, h('tr', {}, heads.map((c) => h('th', {}, c)))), h('tbody', {}, rows)) : h('p', { class: 'muted', id }, empty);

async function collectionDetail(target: HTMLElement, id: string) {
  const c = await get<Json>(`state/collections/${encodeURIComponent(id)}`);
  const grid = h('div', { class: 'faces', id: 'faces-grid' });
  for (const face of c.Faces as Json[]) {
    const img = h('img', { class: 'thumb', alt: face.FaceId, width: 64, height: 64 });
    if (face.HasThumbnail) {
      void imageUrl(`state/collections/${encodeURIComponent(id)}/faces/${face.FaceId}/thumbnail`).then((url) => {
        if (url) img.src = url;
      });
    }
    grid.appendChild(
      h('div', { class: 'face', 'data-face-id': face.FaceId }, img, h('code', {}, face.FaceId.slice(0, 8)), h('span', { class: 'muted' }, face.ExternalImageId ?? ''), face.UserId ? h('span', {}, `user ${face.UserId}`) : null),
    );
  }
  show(
    target,
    h('h3', {}, `Collection ${c.CollectionId}`),
    h('p', { class: 'muted' }, `created ${time(c.CreationTimestamp)} · face model ${c.FaceModelVersion} · ${c.Faces.length} face(s)`),
    c.Faces.length ? grid : h('p', { class: 'muted' }, 'No faces yet.'),
    h('h4', {}, 'Users'),
    table('users', ['UserId', 'Status'], (c.Users as Json[]).map((u) => h('tr', {}, h('td', {}, u.UserId), h('td', {}, u.UserStatus))), 'No users.'),
  );
}

/** The frame of the job's video at `ms`, shown below the timeline. */
async function showFrame(target: HTMLElement, jobId: string, ms: number) {
  const url = await imageUrl(`state/video-jobs/${encodeURIComponent(jobId)}/frame?ms=${Math.round(ms)}`);
  show(target, url ? h('img', { src: url, id: 'video-frame', 'data-ms': Math.round(ms), alt: `frame at ${ms} ms` }) : h('p', { class: 'muted' }, 'The video could not be read for a frame.'), h('figcaption', {}, `frame at ${(ms / 1000).toFixed(3)} s`));
}

function timeline(job: Json): HTMLElement {
  const items = [...(job.Items as Json[]), ...(job.Segments as Json[]).map((s) => ({ ...s, _segment: true }))];
  const { tracks, hidden, durationMs } = tracksOf(job.Items as Json[]);
  const total = Math.max(job.VideoMetadata?.DurationMillis ?? 0, durationMs, 1);
  const [labelWidth, width, row] = [180, 1000, 18];
  const plot = width - labelWidth - 10;
  const x = (ms: number) => labelWidth + (ms / total) * plot;
  const chart = svg('svg', { class: 'timeline', id: 'timeline', viewBox: `0 0 ${width} ${(tracks.length + 1) * row + 10}`, width: '100%' });
  // Seconds along the top.
  const step = Math.max(1000, Math.ceil(total / 10 / 1000) * 1000);
  for (let ms = 0; ms <= total; ms += step) {
    chart.appendChild(svg('line', { x1: x(ms), x2: x(ms), y1: row - 4, y2: (tracks.length + 1) * row, class: 'tick' }));
    chart.appendChild(svg('text', { x: x(ms) + 2, y: row - 6, class: 'axis' }, `${ms / 1000}s`));
  }
  tracks.forEach((track, i) => {
    const y = (i + 1) * row;
    chart.appendChild(svg('text', { x: 4, y: y + row - 5, class: 'track-name' }, track.name.slice(0, 28)));
    for (const m of track.marks) {
      chart.appendChild(
        svg('rect', { class: 'mark', x: x(m.startMs), y: y + 2, width: Math.max(2, x(m.endMs) - x(m.startMs)), height: row - 4, 'data-start': m.startMs, 'data-end': m.endMs }, svg('title', {}, m.title)),
      );
    }
  });
  // A click anywhere on the chart shows the video's frame at that time, under a cursor.
  const frame = h('figure', { class: 'frame', id: 'frame' });
  const cursor = svg('line', { class: 'cursor', x1: x(0), x2: x(0), y1: row - 4, y2: (tracks.length + 1) * row });
  chart.appendChild(cursor);
  chart.addEventListener('click', (event) => {
    const point = new DOMPoint(event.clientX, event.clientY).matrixTransform((chart as SVGSVGElement).getScreenCTM()!.inverse());
    const ms = Math.min(total, Math.max(0, ((point.x - labelWidth) / plot) * total));
    cursor.setAttribute('x1', String(x(ms)));
    cursor.setAttribute('x2', String(x(ms)));
    void showFrame(frame, job.JobId, ms);
  });
  void showFrame(frame, job.JobId, 0);
  return h(
    'div',
    {},
    h('p', { class: 'muted' }, 'Click the timeline to see the frame at that time.'),
    chart,
    frame,
    hidden ? h('p', { class: 'muted' }, `${hidden} more track(s) not shown`) : null,
    h('p', { class: 'muted' }, `${job.Items.length} result item(s), ${job.Segments.length} aggregated segment(s); hover a mark for its time.`),
    h('details', {}, h('summary', {}, 'Result items (JSON)'), json(items.slice(0, 200))),
  );
}

async function videoJobDetail(target: HTMLElement, id: string) {
  const job = await get<Json>(`state/video-jobs/${encodeURIComponent(id)}`);
  show(
    target,
    h('h3', {}, `${job.Api} ${job.JobId}`),
    h('p', { class: 'muted', id: 'job-status' }, `${job.JobStatus}${job.StatusMessage ? `: ${job.StatusMessage}` : ''}${job.Progress ? ` · ${progressText(job.JobStatus, job.Progress)}` : ''} · started ${time(job.CreationTimestamp)}${job.CompletionTimestamp ? ` · finished ${time(job.CompletionTimestamp)}` : ''}`),
    job.VideoMetadata ? h('p', { class: 'muted' }, `${job.VideoMetadata.FrameWidth}×${job.VideoMetadata.FrameHeight}, ${(job.VideoMetadata.DurationMillis / 1000).toFixed(2)} s, ${job.VideoMetadata.FrameRate?.toFixed?.(2)} fps, ${job.VideoMetadata.Codec}`) : null,
    job.JobStatus === 'SUCCEEDED' ? timeline(job) : h('p', {}, job.JobStatus === 'IN_PROGRESS' ? 'In progress: results appear here when the job has finished.' : 'No results.'),
    h('details', {}, h('summary', {}, 'Start request'), json(job.Request)),
  );
}

function projectView(p: Json): HTMLElement {
  return h(
    'div',
    { class: 'card' },
    h('h4', {}, `${p.ProjectArn.split('/')[1]} `, h('span', { class: 'muted' }, `${p.Feature ?? 'CUSTOM_LABELS'} · ${p.Status}`)),
    table(
      'datasets',
      ['Dataset', 'Status', 'Labels', 'Images', 'Message'],
      (p.Datasets as Json[]).map((d) =>
        h('tr', {}, h('td', {}, d.DatasetArn?.split('/')[3] ?? ''), h('td', {}, d.Status), h('td', {}, d.DatasetStats?.TotalLabels ?? ''), h('td', {}, `${d.DatasetStats?.LabeledEntries ?? ''} / ${d.DatasetStats?.TotalEntries ?? ''}`), h('td', {}, d.StatusMessage ?? '')),
      ),
      'No datasets.',
    ),
    (p.Versions as Json[]).map((v) =>
      h(
        'div',
        { class: 'version' },
        h('p', {}, h('strong', {}, v.ProjectVersionArn.split('/')[3]), ` ${v.Status}${v.StatusMessage ? `: ${v.StatusMessage}` : ''}`, v.EvaluationResult?.F1Score !== undefined ? ` · F1 ${Number(v.EvaluationResult.F1Score).toFixed(3)}` : ''),
        v.Evaluation ? h('details', {}, h('summary', {}, 'Evaluation'), json(v.Evaluation)) : null,
      ),
    ),
  );
}

export async function statePage(root: HTMLElement): Promise<void> {
  const detail = h('div', { id: 'state-detail' });
  const [collections, jobs, analysis, projects, processors] = await Promise.all([
    get<{ collections: Json[] }>('state/collections'),
    get<{ jobs: Json[] }>('state/video-jobs'),
    get<{ jobs: Json[] }>('state/media-analysis-jobs').catch(() => ({ jobs: [] })),
    get<{ projects: Json[] }>('state/custom-labels'),
    get<{ processors: Json[] }>('state/stream-processors'),
  ]);
  const failure = (err: unknown) => show(detail, h('p', { class: 'error' }, String(err)));
  show(
    root,
    h('h2', {}, 'State ', h('button', { type: 'button', id: 'state-refresh', onclick: () => void statePage(root) }, 'Refresh')),
    h('section', {}, h('h3', {}, 'Collections'),
      table('collections', ['Collection', 'Faces', 'Users', 'Created', 'Face model'], collections.collections.map((c) =>
        h('tr', { 'data-collection': c.CollectionId, class: 'clickable', onclick: () => void collectionDetail(detail, c.CollectionId).catch(failure) },
          h('td', {}, c.CollectionId), h('td', { class: 'num' }, c.FaceCount), h('td', { class: 'num' }, c.UserCount), h('td', {}, time(c.CreationTimestamp)), h('td', {}, c.FaceModelVersion))), 'No collections in this account and region.')),
    h('section', {}, h('h3', {}, 'Video jobs'),
      table('video-jobs', ['Job', 'Operation', 'Status', 'Progress', 'Video', 'Started', 'Finished', 'Took'], jobs.jobs.map((j) =>
        h('tr', { 'data-job': j.JobId, class: 'clickable', onclick: () => void videoJobDetail(detail, j.JobId).catch(failure) },
          h('td', {}, h('code', {}, j.JobId.slice(0, 12))), h('td', {}, j.Api), h('td', {}, j.JobStatus), h('td', { class: 'num progress' }, progressText(j.JobStatus, j.Progress)), h('td', {}, j.Video?.S3Object ? `s3://${j.Video.S3Object.Bucket}/${j.Video.S3Object.Name}` : ''), h('td', {}, time(j.CreationTimestamp)), h('td', {}, time(j.CompletionTimestamp)),
          h('td', { class: 'num' }, `${j.JobStatus === 'IN_PROGRESS' ? 'running for ' : ''}${(j.ElapsedMillis / 1000).toFixed(1)} s${j.Attempts > 1 ? ` (run ${j.Attempts} times)` : ''}`))), 'No video jobs.')),
    h('section', {}, h('h3', {}, 'Media analysis jobs'),
      table('media-analysis-jobs', ['Job', 'Name', 'Status', 'Created', 'Completed'], analysis.jobs.map((j) =>
        h('tr', {}, h('td', {}, h('code', {}, String(j.JobId).slice(0, 12))), h('td', {}, j.JobName ?? ''), h('td', {}, j.Status), h('td', {}, time(j.CreationTimestamp * 1000)), h('td', {}, j.CompletionTimestamp ? time(j.CompletionTimestamp * 1000) : ''))), 'No media analysis jobs.')),
    h('section', {}, h('h3', {}, 'Custom Labels projects'), projects.projects.length ? projects.projects.map(projectView) : h('p', { class: 'muted' }, 'No projects.')),
    h('section', {}, h('h3', {}, 'Stream processors'),
      table('stream-processors', ['Name', 'Status', 'Kind', 'Last session', 'Updated'], processors.processors.map((p) =>
        h('tr', {}, h('td', {}, p.Name), h('td', {}, `${p.Status}${p.StatusMessage ? `: ${p.StatusMessage}` : ''}`), h('td', {}, p.Settings?.FaceSearch ? `face search in ${p.Settings.FaceSearch.CollectionId}` : 'connected home'),
          h('td', {}, p.LastSession ? `${p.LastSession.sessionId} from ${time(p.LastSession.startedMs)}` : ''), h('td', {}, time(p.LastUpdateTimestamp * 1000)))), 'No stream processors.')),
    detail,
  );
}
