package io.llmagentos.training;

import ai.djl.engine.Engine;

/** Run as its own JVM by {@link DevicesThreadsTest}: sets the thread count before anything has started DJL. */
final class ThreadsProbe {
    private ThreadsProbe() {
    }

    public static void main(String[] args) {
        Devices.threads(1);
        System.out.println("threads set; engine " + Engine.getInstance().getEngineName());
    }
}
