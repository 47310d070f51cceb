/**
 * Model classes by their Hugging Face name (config.json `architectures`).
 */
import { BertForMultipleChoice, BertForSequenceClassification, BertForTokenClassification } from '../bert/classification.ts';
import type { BertConfig } from '../bert/config.ts';
import { BertModel, type BertModelClass, type BertModelOptions, type BertPreTrainedModel } from '../bert/model.ts';
import { BertForMaskedLM, BertForPreTraining } from '../bert/pretraining.ts';
import { BertForQuestionAnswering } from '../bert/question-answering.ts';

/** Every architecture this project implements, by Hugging Face class name. */
export const BERT_ARCHITECTURES: Readonly<Record<string, BertModelClass>> = {
  BertModel,
  BertForPreTraining,
  BertForMaskedLM,
  BertForSequenceClassification,
  BertForTokenClassification,
  BertForQuestionAnswering,
  BertForMultipleChoice,
};

export type BertArchitecture = keyof typeof BERT_ARCHITECTURES;

/** The class called `name`; an unknown name is an error listing the known ones. */
export function modelClassForArchitecture(name: string): BertModelClass {
  const cls = Object.hasOwn(BERT_ARCHITECTURES, name) ? BERT_ARCHITECTURES[name] : undefined;
  if (!cls) throw new Error(`unknown architecture "${name}"; expected one of: ${Object.keys(BERT_ARCHITECTURES).join(', ')}`);
  return cls;
}

/** A new model of the class called `name` (e.g. "BertForPreTraining"), initialised as Hugging Face does. */
export function createModelForArchitecture(name: string, config: BertConfig, opts: BertModelOptions = {}): BertPreTrainedModel {
  return new (modelClassForArchitecture(name))(config, opts);
}
