package io.llmagentos.dataprep;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Describes one setting of {@link PrepConfig}: the YAML loader, the CLI help and the report all read
 * this one description, so the documentation of a threshold lives next to its default.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.RECORD_COMPONENT, ElementType.FIELD, ElementType.PARAMETER, ElementType.METHOD})
public @interface Option {
    /** One line: what the setting does and its unit. */
    String description();
}
