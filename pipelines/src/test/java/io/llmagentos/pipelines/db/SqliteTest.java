package io.llmagentos.pipelines.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pipeline {@link PostgresTest} runs on PostgreSQL, on the embedded SQLite default. */
class SqliteTest {
    @TempDir
    Path dir;

    @Test
    void pipelineRunsRetriesAndCachesOnSqlite() throws Exception {
        String url = "jdbc:sqlite:" + dir.resolve("agentos.db");
        try (MetadataDb db = MetadataDb.open(url)) {
            assertThat(db.isSqlite()).isTrue();
        }
        PostgresTest.pipelineRunsRetriesAndCaches(url, dir);
    }

    @Test
    void concurrentCacheWritesOnSqlite() throws Exception {
        PostgresTest.concurrentCacheWritesOfOneKeyDoNotCollide("jdbc:sqlite:" + dir.resolve("cache.db"));
    }
}
