package io.llmagentos.core;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The platform's version, as built by Maven. */
public final class AgentosVersion {
    private static final String VERSION = load();

    private AgentosVersion() {
    }

    public static String get() {
        return VERSION;
    }

    private static String load() {
        try (InputStream in = AgentosVersion.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
