package io.cairn.api;

import io.vertx.core.buffer.Buffer;
import io.vertx.openapi.mediatype.ContentAnalyser;
import io.vertx.openapi.mediatype.ContentAnalyserFactory;
import io.vertx.openapi.mediatype.MediaTypeInfo;
import io.vertx.openapi.mediatype.MediaTypeRegistration;
import io.vertx.openapi.mediatype.MediaTypeRegistry;
import io.vertx.openapi.validation.ValidationContext;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The media types openapi.yaml declares beyond vertx-openapi's defaults: problem+json (read as
 * JSON), application/yaml and text/event-stream (text: a {@code type: string} schema applies to
 * them), and {@code *}/{@code *}
 * on the entry operations (bytes, never read by a schema).
 */
public final class MediaTypes {
  private MediaTypes() {}

  /** The registry the contract is built with (in the router and in tests alike). */
  public static MediaTypeRegistry registry() {
    return MediaTypeRegistry.createDefault()
        .register(new Registration("application/problem+json", ContentAnalyserFactory.json()))
        .register(new Registration("application/yaml", Text::new))
        .register(new Registration("text/event-stream", Text::new))
        .register(new Registration("*/*", ContentAnalyserFactory.noop()));
  }

  /** One media type, matched on type/subtype+suffix, parameters ignored. */
  private static final class Registration implements MediaTypeRegistration {
    private final String type;
    private final ContentAnalyserFactory analysers;

    Registration(String type, ContentAnalyserFactory analysers) {
      this.type = type;
      this.analysers = analysers;
    }

    @Override
    public ContentAnalyser createContentAnalyser(String contentType, Buffer content, ValidationContext context) {
      return analysers.create(contentType, content, context);
    }

    @Override
    public boolean canHandle(String mediaType) {
      return type.equals(MediaTypeInfo.of(mediaType).fullType());
    }

    @Override
    public List<String> supportedTypes() {
      return List.of(type);
    }
  }

  /** A text body: any bytes, read as UTF-8 text for a {@code type: string} schema. */
  private static final class Text implements ContentAnalyser {
    private final Buffer content;

    Text(String contentType, Buffer content, ValidationContext context) {
      this.content = content;
    }

    @Override
    public void checkSyntacticalCorrectness() {
      // any text
    }

    @Override
    public Object transform() {
      return content.toString(StandardCharsets.UTF_8);
    }
  }
}
