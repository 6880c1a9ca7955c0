package io.dotproxy.operator.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.deser.ResolvableDeserializer;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.io.IOException;
import java.util.Arrays;
import java.util.Collection;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reads a stored spec with Jackson's ordinary bean deserializer, and when that fails, as an
 * {@link UnreadableSpec} naming the field and what is wrong with it (see there for why it must not fail).
 */
final class StoredSpecDeserializer extends StdDeserializer<DnsOverTlsProxySpec> implements ResolvableDeserializer {

  private static final int MAX_VALUE_SHOWN = 64;

  private JsonDeserializer<Object> beanDeserializer;

  StoredSpecDeserializer() {
    super(DnsOverTlsProxySpec.class);
  }

  // Built directly by the factory: asking the context for one would find this class again.
  @Override
  public void resolve(DeserializationContext ctxt) throws JsonMappingException {
    JavaType type = ctxt.constructType(DnsOverTlsProxySpec.class);
    beanDeserializer = ctxt.getFactory().createBeanDeserializer(ctxt, type, ctxt.getConfig().introspect(type));
    if (beanDeserializer instanceof ResolvableDeserializer resolvable) {
      resolvable.resolve(ctxt);
    }
  }

  @Override
  public DnsOverTlsProxySpec deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
    JsonNode stored = ctxt.readTree(p);
    try (JsonParser fields = stored.traverse(p.getCodec())) {
      fields.nextToken();
      return (DnsOverTlsProxySpec) beanDeserializer.deserialize(fields, ctxt);
    } catch (JsonMappingException e) {
      return new UnreadableSpec(stored, describe(e, stored));
    }
  }

  @Override
  public DnsOverTlsProxySpec getNullValue(DeserializationContext ctxt) {
    return UnreadableSpec.missing();
  }

  /** "spec.mode: "Gateway" is not one of DaemonSet, Sidecar", and the like. */
  static String describe(JsonMappingException e, JsonNode stored) {
    StringBuilder path = new StringBuilder("spec");
    JsonNode value = stored;
    for (JsonMappingException.Reference ref : e.getPath()) {
      if (ref.getFieldName() != null) {
        path.append('.').append(ref.getFieldName());
        value = value == null ? null : value.get(ref.getFieldName());
      } else {
        path.append('[').append(ref.getIndex()).append(']');
        value = value == null ? null : value.get(ref.getIndex());
      }
    }
    if (e instanceof UnrecognizedPropertyException) {
      return path + ": not a field of DnsOverTlsProxy in this version of the operator";
    }
    Class<?> target = e instanceof MismatchedInputException mismatch ? mismatch.getTargetType() : null;
    String shown = value == null ? "" : shorten(value.toString());
    if (e instanceof InvalidFormatException && target != null && target.isEnum()) {
      return path + ": " + shown + " is not one of " + jsonNames(target);
    }
    if (target != null) {
      return path + ": expected " + kindOf(target) + (shown.isEmpty() ? "" : ", not " + shown);
    }
    return path + ": " + e.getOriginalMessage().lines().findFirst().orElse("cannot be read");
  }

  private static String jsonNames(Class<?> enumType) {
    return Arrays.stream(enumType.getEnumConstants())
        .map(constant -> {
          try {
            JsonProperty name = enumType.getField(((Enum<?>) constant).name()).getAnnotation(JsonProperty.class);
            return name == null ? ((Enum<?>) constant).name() : name.value();
          } catch (NoSuchFieldException impossible) {
            return ((Enum<?>) constant).name();
          }
        })
        .collect(Collectors.joining(", "));
  }

  private static String kindOf(Class<?> type) {
    if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
      return "a whole number";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "true or false";
    }
    if (type == String.class) {
      return "a string";
    }
    if (Collection.class.isAssignableFrom(type) || type.isArray()) {
      return "a list";
    }
    if (Map.class.isAssignableFrom(type)) {
      return "a map";
    }
    return "an object";
  }

  private static String shorten(String text) {
    return text.length() <= MAX_VALUE_SHOWN ? text : text.substring(0, MAX_VALUE_SHOWN - 3) + "...";
  }
}
