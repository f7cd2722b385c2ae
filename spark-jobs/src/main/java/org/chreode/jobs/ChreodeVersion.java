package org.chreode.jobs;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The chreode version, from the build (resource {@code org/chreode/jobs/version.properties}, filtered by Maven). */
public final class ChreodeVersion {

    private static final String VERSION = load();

    private ChreodeVersion() {
    }

    public static String get() {
        return VERSION;
    }

    private static String load() {
        try (InputStream in = ChreodeVersion.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version");
                if (v != null && !v.startsWith("${")) {
                    return v;
                }
            }
        } catch (IOException e) {
            // fall through
        }
        String v = ChreodeVersion.class.getPackage().getImplementationVersion();
        return v == null ? "unknown" : v;
    }
}
