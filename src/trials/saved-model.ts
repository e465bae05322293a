import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { SavedModel } from '../contracts/trial-job.ts';

/**
 * A trained model as lgt keeps it: serialized for a job's return value (the final retrain sends
 * it to the driver), and written to a model directory (what loadPredictor reads).
 */

/** The model in TF.js's format (topology and weight manifest), weights as base64. */
export async function serializeModel(model: {
  save: (h: tf.io.IOHandler) => Promise<unknown>;
}): Promise<SavedModel> {
  let saved: SavedModel | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = artifacts.weightData as ArrayBuffer;
      saved = {
        modelTopology: artifacts.modelTopology as Record<string, unknown>,
        weightSpecs: artifacts.weightSpecs ?? [],
        weightData: Buffer.from(weights).toString('base64'),
        ...(artifacts.format ? { format: artifacts.format } : {}),
        ...(artifacts.generatedBy ? { generatedBy: artifacts.generatedBy } : {}),
        convertedBy: artifacts.convertedBy ?? null,
      };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return saved!;
}

/** A trained model as a job returns it: serialized, with what turns a raw row into its input. */
export async function savedModelOf(
  model: Parameters<typeof serializeModel>[0],
  encoding: SavedModel['encoding'],
): Promise<SavedModel> {
  return { ...(await serializeModel(model)), ...(encoding ? { encoding } : {}) };
}

/**
 * model.json with its weights manifest, and weights.bin: what tf.loadLayersModel reads; and
 * preprocessing.json, what turns a raw row into its input (lgt predict, loadPredictor).
 */
export async function writeModel(dir: string, model: SavedModel): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'weights.bin'), Buffer.from(model.weightData, 'base64'));
  const manifest = {
    modelTopology: model.modelTopology,
    format: model.format ?? 'layers-model',
    generatedBy: model.generatedBy,
    convertedBy: model.convertedBy ?? null,
    weightsManifest: [{ paths: ['weights.bin'], weights: model.weightSpecs }],
  };
  await writeFile(path.join(dir, 'model.json'), JSON.stringify(manifest));
  if (model.encoding)
    await writeFile(
      path.join(dir, 'preprocessing.json'),
      `${JSON.stringify(model.encoding, null, 2)}\n`,
    );
}

/** What names an ensemble's members in its model directory (ensemble.json). */
export interface EnsembleManifest {
  format: 'lgt-ensemble';
  version: 1;
  /** Each member's directory (relative, one level down) and its share of the average. */
  members: { dir: string; weight: number; trial: number }[];
}

/**
 * An ensemble as a model directory: ensemble.json, and one model directory per model
 * (member-<trial>/, or member-<trial>-fold-<k>/ for a bagged member's fold models), each with its
 * own preprocessing, as its configuration (and its fold's rows) prepared them.
 * loadPredictor averages them with their weights.
 */
export async function writeEnsemble(
  dir: string,
  members: readonly { trial: number; fold?: number; weight: number; model: SavedModel }[],
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const dirOf = (m: { trial: number; fold?: number }) =>
    m.fold === undefined ? `member-${m.trial}` : `member-${m.trial}-fold-${m.fold + 1}`;
  const manifest: EnsembleManifest = {
    format: 'lgt-ensemble',
    version: 1,
    members: members.map((m) => ({ dir: dirOf(m), weight: m.weight, trial: m.trial })),
  };
  for (const m of members) await writeModel(path.join(dir, dirOf(m)), m.model);
  await writeFile(path.join(dir, 'ensemble.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}
