package dev.tuna.core.storage;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/** The JSON mapping shared by the durable storages, so that they read and write trials and studies alike. */
final class StorageJson {

    private StorageJson() {
    }

    /**
     * A mapper builder with ISO instants, NaN and infinities allowed (objective values may be either), and unknown
     * properties ignored (records written by a newer version still read).
     */
    static JsonMapper.Builder builder() {
        return JsonMapper.builder()
                .addModule(new JavaTimeModule())
                .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                // NaN as a number, not the string "NaN": an attribute's value must read back as the Double it was.
                .disable(JsonWriteFeature.WRITE_NAN_AS_STRINGS)
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }
}
