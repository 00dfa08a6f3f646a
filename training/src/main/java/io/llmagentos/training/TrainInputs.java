package io.llmagentos.training;

import ai.djl.Device;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmagentos.core.checkpoint.Checkpoint;
import io.llmagentos.core.config.LlamaConfig;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.tokenizer.ChatMl;
import io.llmagentos.core.tokenizer.Tokenizer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a run trains on, built from the config: the tokenizer (the config's or the base checkpoint's, which must
 * agree), the model (loaded from the base checkpoint, or a preset / inline {@code model.config} initialised from
 * the seed) checked against the tokenizer and {@code seq_len}, and the data (token shards for pretraining, chat
 * records otherwise, cut to {@code data.max_train_examples}).
 */
final class TrainInputs {
    // under the loop's name, which is where users look for (and configure) training logs
    private static final Logger LOG = LoggerFactory.getLogger(LmTrainer.class);

    private TrainInputs() {
    }

    static Tokenizer tokenizer(TrainConfig cfg, Checkpoint base) throws IOException {
        if (cfg.tokenizer() != null) {
            Tokenizer t = Tokenizer.load(cfg.tokenizer());
            if (base != null && base.hasTokenizer() && !base.tokenizer().digest().equals(t.digest())) {
                throw new IOException(cfg.tokenizer() + ": this tokenizer (" + t.digest() + ") differs from the "
                        + "checkpoint's own (" + base.tokenizer().digest()
                        + "); drop data.tokenizer to use the checkpoint's");
            }
            return t;
        }
        if (base != null && base.hasTokenizer()) {
            return base.tokenizer();
        }
        throw new IOException("no tokenizer: set data.tokenizer (the checkpoint " + (base == null ? "is not given"
                : base.dir() + " has no tokenizer.json") + ")");
    }

    static LlamaModel model(TrainConfig cfg, Checkpoint base, Tokenizer tok, Device device) throws IOException {
        LlamaModel m;
        if (base != null) {
            m = LlamaModel.load(base, device);
        } else {
            LlamaConfig c = cfg.preset() != null ? ModelPresets.config(cfg.preset(), tok.vocabSize())
                    : inlineConfig(cfg, tok);
            List<Integer> eos = new ArrayList<>();
            Integer eot = id(tok, tok.config().eosToken());
            if (eot != null) {
                eos.add(eot);
            }
            Integer imEnd = id(tok, ChatMl.END);
            if (imEnd != null && !eos.contains(imEnd)) {
                eos.add(imEnd);
            }
            c = c.withTokenIds(id(tok, tok.config().bosToken()), eos, id(tok, tok.config().padToken()));
            m = LlamaModel.random(c, cfg.seed(), device);
        }
        if (tok.vocabSize() > m.config().vocabSize()) {
            m.close();
            throw new IOException("the tokenizer has " + tok.vocabSize() + " tokens but the model's vocab_size is "
                    + m.config().vocabSize() + "; use the model's own tokenizer");
        }
        if (cfg.seqLen() > m.config().maxPositionEmbeddings()) {
            m.close();
            throw new IOException("training.seq_len " + cfg.seqLen() + " exceeds the model's max_position_embeddings "
                    + m.config().maxPositionEmbeddings());
        }
        return m;
    }

    private static Integer id(Tokenizer tok, String token) {
        return token == null || tok.tokenId(token).isEmpty() ? null : tok.tokenId(token).getAsInt();
    }

    private static LlamaConfig inlineConfig(TrainConfig cfg, Tokenizer tok) throws IOException {
        ObjectNode o = JsonFields.MAPPER.createObjectNode();
        o.put("vocab_size", tok.vocabSize());
        for (var e : cfg.modelConfig().entrySet()) {
            String v = e.getValue();
            if (v.matches("-?\\d+")) {
                o.put(e.getKey(), Long.parseLong(v));
            } else if (v.matches("-?[\\d.]+([eE]-?\\d+)?")) {
                o.put(e.getKey(), Double.parseDouble(v));
            } else if (v.equals("true") || v.equals("false")) {
                o.put(e.getKey(), Boolean.parseBoolean(v));
            } else {
                o.put(e.getKey(), v);
            }
        }
        return LlamaConfig.fromJson(o, new JsonFields("train config model.config"));
    }

    static TrainingData data(TrainConfig cfg, Tokenizer tok, LlamaConfig c) throws IOException {
        double vf = cfg.doubleOpt("data.validation_fraction");
        TrainingData d;
        if (cfg.mode() == TrainMode.PRETRAIN) {
            d = new ShardData(cfg.shards(), cfg.seqLen(), vf, c.vocabSize(), tok.digest());
        } else {
            SftData sd = new SftData(cfg.sft(), tok, cfg.seqLen(), vf);
            if (sd.truncated() > 0) {
                LOG.warn("{} of {} chat records are longer than seq_len {} + 1 tokens and were cut", sd.truncated(),
                        sd.trainSize() + sd.validationSize(), cfg.seqLen());
            }
            d = sd;
        }
        int limit = cfg.intOpt("data.max_train_examples");
        return limit > 0 && limit < d.trainSize() ? new FirstExamples(d, limit) : d;
    }
}
