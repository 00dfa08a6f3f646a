// Loads an exported ONNX directory in transformers.js (@huggingface/transformers, Node, onnxruntime-node) as a web
// app would, and generates greedily.
// Usage: node transformersjs_check.mjs NODE_MODULES_PREFIX MODEL_DIR REQUEST_JSON
// REQUEST_JSON: {"prompt": [ids...], "max_new_tokens": N, "text": "..."}
// The model file sits at the directory's root (transformers.js looks in onnx/ by default: subfolder ''). Prints JSON:
// {"tokens": [prompt + new tokens], "text_ids": [...] (when tokenizer.json is present), "version": "..."}
import { createRequire } from 'node:module';
import { readFileSync, existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [prefix, modelDir, requestFile] = process.argv.slice(2);
const require = createRequire(join(prefix, '/'));
const tjs = await import(pathToFileURL(require.resolve('@huggingface/transformers')).href);
const { AutoModelForCausalLM, AutoTokenizer, Tensor, env } = tjs;
env.allowRemoteModels = false;
env.localModelPath = dirname(modelDir);
const name = basename(modelDir);
const req = JSON.parse(readFileSync(requestFile, 'utf8'));

const model = await AutoModelForCausalLM.from_pretrained(name, { subfolder: '', dtype: 'fp32', device: 'cpu' });
const ids = new Tensor('int64', BigInt64Array.from(req.prompt.map(BigInt)), [1, req.prompt.length]);
const out = await model.generate({ input_ids: ids, max_new_tokens: req.max_new_tokens, do_sample: false });
const result = { tokens: Array.from(out.data, Number),
                 version: JSON.parse(readFileSync(join(prefix, 'node_modules/@huggingface/transformers/package.json'),
                                                   'utf8')).version };
if (existsSync(join(modelDir, 'tokenizer.json'))) {
  const tok = await AutoTokenizer.from_pretrained(name);
  result.text_ids = tok.encode(req.text, { add_special_tokens: false });
}
console.log(JSON.stringify(result));
