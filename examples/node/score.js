#!/usr/bin/env node
// Scores a CSV file with an exported IAE-LSTM-KL ONNX file, in Node.js with onnxruntime-node only.
//
//   node score.js MODEL.onnx DATA.csv [--chunk N] > scores.csv
//
// The ONNX file is self-contained: its metadata holds the feature names (in input order), the decision threshold
// and the score kind, and the graph includes the pre-processing, so the CSV's raw values go in as they are.
// The CSV needs a header line naming (at least) the model's feature columns; other columns are ignored. Output:
// "row,score,type" per input row, type ANOMALOUS when score > threshold (the Java model's rule).
// Simple CSV only (no quoted fields with separators inside); stream-reads the file line by line. Refused, as by the
// Java tool, with the data row and column named: a row with another field count than the header, an empty or
// non-numeric cell, a value beyond the float32 range, a header naming a column twice, a score that is not finite.
'use strict';

const fs = require('fs');
const readline = require('readline');
const ort = require('onnxruntime-node');

// A plain decimal number (digits, optional point, optional exponent, surrounding spaces): the form the project's
// tools write. Stricter than Java's Double.parseDouble (no hex, no 'f'/'d' suffix, no quotes); empty cells, NaN
// and Infinity are refused as feature values.
const NUMBER = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;
// The threshold metadata as Java writes it (Double.toString): a number, or +-Infinity after withThreshold.
const THRESHOLD = /^\s*([-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?|-?Infinity)\s*$/;

function fail(message) {
  process.stderr.write(`error: ${message}\n`);
  process.exit(1);
}

async function main(argv) {
  const args = argv.slice(2);
  let chunk = 1024;
  const files = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--chunk') {
      chunk = parseInt(args[++i], 10);
    } else if (args[i] === '--help' || args[i] === '-h') {
      process.stdout.write('usage: node score.js MODEL.onnx DATA.csv [--chunk N] > scores.csv\n');
      return;
    } else {
      files.push(args[i]);
    }
  }
  if (files.length !== 2) fail('usage: node score.js MODEL.onnx DATA.csv [--chunk N]');
  const [modelPath, csvPath] = files;
  for (const f of files) if (!fs.existsSync(f)) fail(`file not found: ${f}`);
  if (!(chunk > 0)) fail('--chunk must be a positive integer');

  const session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const meta = readMetadata(fs.readFileSync(modelPath));
  const featureNames = JSON.parse(meta['iae.feature_names']);
  const threshold = Number(meta['iae.threshold']);
  if (!THRESHOLD.test(meta['iae.threshold']) || Number.isNaN(threshold)) {
    fail(`the ONNX file's 'iae.threshold' metadata is not a number: '${meta['iae.threshold']}'`);
  }
  const d = featureNames.length;

  const lines = readline.createInterface({ input: fs.createReadStream(csvPath), crlfDelay: Infinity });
  let columns = null;
  let index = null;
  let rows = [];
  let rowNumber = 0;
  const out = process.stdout;
  out.write('row,score,type\n');

  async function flush() {
    if (rows.length === 0) return;
    const data = new Float32Array(rows.length * d);
    rows.forEach((r, i) => data.set(r, i * d));
    const result = await session.run({ features: new ort.Tensor('float32', data, [rows.length, d]) });
    const scores = result.score.data;
    let text = '';
    for (let i = 0; i < rows.length; i++) {
      const s = scores[i];
      if (!Number.isFinite(s)) {
        fail(`${where(rowNumber - rows.length + i)}: the model's score is not finite (${s}); its feature values are `
          + 'probably far outside the range seen in training');
      }
      text += `${rowNumber - rows.length + i},${s},${s > threshold ? 'ANOMALOUS' : 'EXPECTED'}\n`;
    }
    out.write(text);
    rows = [];
  }

  // Messages name the data row (1 = the first row below the header) as the Java tool does, and the output row.
  const where = (row) => `${csvPath}, data row ${row + 1} (output row ${row})`;
  for await (const line of lines) {
    if (line.trim() === '') continue;
    const fields = line.split(',');
    if (columns === null) {
      columns = fields.map((f) => f.trim().replace(/^"|"$/g, ''));
      const twice = columns.filter((c, k) => columns.indexOf(c) !== k);
      if (twice.length > 0) fail(`the CSV header of ${csvPath} names a column more than once: ${[...new Set(twice)].join(', ')}`);
      index = featureNames.map((name) => columns.indexOf(name));
      const missing = featureNames.filter((_, j) => index[j] < 0);
      if (missing.length > 0) fail(`the CSV lacks the model's feature columns: ${missing.slice(0, 8).join(', ')}`);
      continue;
    }
    // A row with another field count (e.g. a quoted comma, which this simple reader does not support) would be
    // scored on shifted values.
    if (fields.length !== columns.length) {
      fail(`${where(rowNumber)}: it has ${fields.length} fields, the header ${columns.length} (quoted fields with `
        + 'commas inside are not supported)');
    }
    const x = new Float32Array(d);
    for (let j = 0; j < d; j++) {
      const cell = fields[index[j]];
      const v = NUMBER.test(cell) ? Number(cell) : NaN;
      if (!Number.isFinite(v)) {
        fail(`${where(rowNumber)}, column '${featureNames[j]}': `
          + (cell.trim() === '' ? 'no value' : `'${cell.trim()}' is not a finite number`));
      }
      if (!Number.isFinite(Math.fround(v))) {
        fail(`${where(rowNumber)}, column '${featureNames[j]}': ${cell.trim()} is outside the float32 range`);
      }
      x[j] = v;
    }
    rows.push(x);
    rowNumber++;
    if (rows.length === chunk) await flush();
  }
  await flush();
  process.stderr.write(`scored ${rowNumber} rows with ${modelPath} (threshold ${threshold}, score ${meta['iae.score_kind']})\n`);
}

// ---- Reading the ONNX metadata_props without a protobuf library -------------------------------------------------
// onnxruntime-node exposes only the input/output names, so the metadata (ModelProto field 14, metadata_props:
// repeated StringStringEntryProto {key = 1, value = 2}) is read here with a minimal protobuf wire-format walk.
function readVarint(buf, pos) {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    const b = buf[pos++];
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [result, pos];
    shift += 7n;
  }
}

function fields(buf, start, end, visit) {
  let pos = start;
  while (pos < end) {
    let key;
    [key, pos] = readVarint(buf, pos);
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (wire === 0) {
      [, pos] = readVarint(buf, pos);
    } else if (wire === 1) {
      pos += 8;
    } else if (wire === 5) {
      pos += 4;
    } else if (wire === 2) {
      let len;
      [len, pos] = readVarint(buf, pos);
      const n = Number(len);
      visit(field, pos, pos + n);
      pos += n;
    } else {
      throw new Error(`unsupported protobuf wire type ${wire}`);
    }
  }
}

function readMetadata(buf) {
  const meta = {};
  fields(buf, 0, buf.length, (field, s, e) => {
    if (field !== 14) return;
    let key = '';
    let value = '';
    fields(buf, s, e, (f, a, b) => {
      if (f === 1) key = buf.toString('utf8', a, b);
      if (f === 2) value = buf.toString('utf8', a, b);
    });
    meta[key] = value;
  });
  for (const k of ['iae.feature_names', 'iae.threshold']) {
    if (!(k in meta)) fail(`the ONNX file has no '${k}' metadata: it is not an IAE-LSTM-KL export`);
  }
  return meta;
}

main(process.argv).catch((e) => fail(e && e.message ? e.message : String(e)));
