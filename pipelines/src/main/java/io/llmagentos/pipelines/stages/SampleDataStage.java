package io.llmagentos.pipelines.stages;

import io.llmagentos.datasets.sample.SampleData;
import io.llmagentos.pipelines.stage.Stage;
import io.llmagentos.pipelines.stage.StageContext;
import io.llmagentos.pipelines.stage.StageOutput;
import io.llmagentos.pipelines.stage.StageParam;
import io.llmagentos.pipelines.stage.StageResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** {@code uses: sample-data}: the bundled dirty field-service corpus shard and its SFT, eval and calibration sets. */
public final class SampleDataStage implements Stage {
    @Override
    public String name() {
        return "sample-data";
    }

    @Override
    public String description() {
        return "Copy the bundled sample datasets (dirty corpus shard + manifest, SFT, eval, calibration sets).";
    }

    @Override
    public List<StageParam> params() {
        return List.of();
    }

    @Override
    public List<StageOutput> outputs() {
        return List.of(StageOutput.path("dir", "directory holding the datasets"),
                StageOutput.path("corpus", "the dirty corpus shard (JSONL, gzip)"),
                StageOutput.path("manifest", "ground truth of the planted duplicates, PII and malformed lines"),
                StageOutput.path("sft", "chat records for supervised fine-tuning (JSONL)"),
                StageOutput.path("eval", "evaluation records (JSONL)"),
                StageOutput.path("calibration", "calibration texts for INT8 quantization (JSONL)"));
    }

    @Override
    public StageResult run(StageContext ctx) throws Exception {
        Path dir = ctx.workDir().resolve("data");
        Map<String, Path> files = SampleData.copyDatasets(dir);
        StageResult.Builder r = StageResult.builder().output("dir", dir)
                .output("corpus", files.get("corpus-00000.jsonl.gz"))
                .output("manifest", files.get("manifest.json"))
                .output("sft", files.get("sft.jsonl"))
                .output("eval", files.get("eval.jsonl"))
                .output("calibration", files.get("calibration.jsonl"))
                .artifact("manifest.json", files.get("manifest.json"));
        long bytes = 0;
        for (Path p : files.values()) {
            bytes += Files.size(p);
        }
        r.metric("bytes", bytes);
        ctx.log().println("sample data: " + files.size() + " files, " + bytes + " bytes -> " + dir);
        return r.build();
    }
}
