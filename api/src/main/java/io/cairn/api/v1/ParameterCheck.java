package io.cairn.api.v1;

import io.vertx.core.json.JsonObject;
import io.vertx.openapi.contract.Location;
import io.vertx.openapi.contract.Parameter;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One parameter's schema from openapi.yaml, compiled once into plain Java checks that give the
 * verdicts vertx-openapi's request validator gives (a test feeds both the same inputs):
 *
 * <ul>
 *   <li>a {@code string} is checked for {@code minLength}/{@code maxLength} in code points and
 *       for {@code pattern} with {@code find()}, as JSON Schema and vertx-json-schema do;
 *   <li>an {@code integer} is read as vertx-openapi reads it: the raw text is decoded as a JSON
 *       value (JSON whitespace around it allowed); only an integer literal is an integer of
 *       format {@code int64}/{@code int32}, a fraction or exponent ({@code 1.0}, {@code 1e3}) is a
 *       double and fails the format, anything else is a string and fails the type; then
 *       {@code minimum}/{@code maximum}.
 * </ul>
 *
 * <p>A schema keyword these checks do not know stops startup, so the contract cannot grow a rule
 * that the hot path silently skips. One known difference: Vert.x's JSON decoder accepts Java
 * comments ({@code 5/*x*}{@code /}) in an integer parameter; these checks refuse them.
 */
final class ParameterCheck {
  private static final Set<String> KNOWN = Set.of(
      "type", "format", "minLength", "maxLength", "pattern", "minimum", "maximum", "default",
      "description", "example", "title");
  /** A JSON number: an integer literal, or one with a fraction or exponent (a double). */
  private static final Pattern JSON_INTEGER = Pattern.compile("-?(?:0|[1-9][0-9]*)");
  private static final Pattern JSON_NUMBER =
      Pattern.compile("-?(?:0|[1-9][0-9]*)(?:\\.[0-9]+)?(?:[eE][+-]?[0-9]+)?");
  private static final BigInteger INT_MIN = BigInteger.valueOf(Integer.MIN_VALUE);
  private static final BigInteger INT_MAX = BigInteger.valueOf(Integer.MAX_VALUE);
  private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
  private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

  private enum Type { STRING, INTEGER }

  private final String name;
  private final String location;
  private final boolean required;
  private final Type type;
  private final int minLength;
  private final int maxLength;
  private final Pattern pattern;
  private final String patternSource;
  private final String format;
  private final BigDecimal minimum;
  private final BigDecimal maximum;

  private ParameterCheck(String name, String location, boolean required, JsonObject schema, String where) {
    this.name = name;
    this.location = location;
    this.required = required;
    for (String keyword : schema.fieldNames()) {
      boolean annotation = keyword.startsWith("__") && keyword.endsWith("__");
      if (!annotation && !KNOWN.contains(keyword)) {
        throw new IllegalStateException("the compiled checks of " + where + " do not know the schema keyword '"
            + keyword + "' of parameter " + name + "; teach ParameterCheck or turn validation on");
      }
    }
    String t = schema.getString("type");
    if ("string".equals(t)) {
      type = Type.STRING;
    } else if ("integer".equals(t)) {
      type = Type.INTEGER;
    } else {
      throw new IllegalStateException("the compiled checks of " + where + " do not know type '" + t
          + "' of parameter " + name);
    }
    format = schema.getString("format");
    if (format != null && !(type == Type.INTEGER && (format.equals("int32") || format.equals("int64")))) {
      throw new IllegalStateException("the compiled checks of " + where + " do not know format '" + format
          + "' of parameter " + name);
    }
    minLength = schema.getInteger("minLength", 0);
    maxLength = schema.getInteger("maxLength", Integer.MAX_VALUE);
    patternSource = schema.getString("pattern");
    pattern = patternSource == null ? null : Pattern.compile(patternSource);
    minimum = schema.getValue("minimum") == null ? null : new BigDecimal(schema.getValue("minimum").toString());
    maximum = schema.getValue("maximum") == null ? null : new BigDecimal(schema.getValue("maximum").toString());
  }

  /** Compiles one parameter of an operation, or fails when its schema uses what it does not know. */
  static ParameterCheck compile(Parameter parameter, String operationId) {
    String location;
    if (parameter.getIn() == Location.PATH) {
      location = "path";
    } else if (parameter.getIn() == Location.QUERY) {
      location = "query";
    } else if (parameter.getIn() == Location.HEADER) {
      location = "header";
    } else {
      throw new IllegalStateException("the compiled checks of " + operationId + " do not read "
          + parameter.getIn() + " parameters (" + parameter.getName() + ")");
    }
    JsonObject schema = new JsonObject();
    for (String field : parameter.getSchema().fieldNames()) {
      schema.put(field, (Object) parameter.getSchema().get(field));
    }
    return new ParameterCheck(parameter.getName(), location, parameter.isRequired(), schema, operationId);
  }

  String name() {
    return name;
  }

  String location() {
    return location;
  }

  /** What is wrong with the raw value (null when absent), or null when it is valid. */
  String check(String raw) {
    if (raw == null) {
      return required ? "is required" : null;
    }
    return type == Type.STRING ? checkString(raw) : checkInteger(raw);
  }

  private String checkString(String raw) {
    if (minLength > 0 || maxLength < Integer.MAX_VALUE) {
      int length = raw.codePointCount(0, raw.length());
      if (length < minLength) {
        return "must be at least " + minLength + " characters long";
      }
      if (length > maxLength) {
        return "must be at most " + maxLength + " characters long";
      }
    }
    if (pattern != null && !pattern.matcher(raw).find()) {
      return "must match " + patternSource;
    }
    return null;
  }

  private String checkInteger(String raw) {
    String text = stripJsonWhitespace(raw);
    BigDecimal value;
    if (JSON_INTEGER.matcher(text).matches()) {
      BigInteger integer = new BigInteger(text);
      if ("int32".equals(format) && (integer.compareTo(INT_MIN) < 0 || integer.compareTo(INT_MAX) > 0)) {
        return "must be an integer of format int32";
      }
      if ("int64".equals(format) && (integer.compareTo(LONG_MIN) < 0 || integer.compareTo(LONG_MAX) > 0)) {
        return "must be an integer of format int64";
      }
      value = new BigDecimal(integer);
    } else if (JSON_NUMBER.matcher(text).matches()) {
      double d = Double.parseDouble(text);
      if (Double.isInfinite(d) || d % 1 != 0) {
        return "must be an integer";
      }
      if (format != null) {
        return "must be an integer of format " + format;
      }
      value = new BigDecimal(d);
    } else {
      return "must be an integer";
    }
    if (minimum != null && value.compareTo(minimum) < 0) {
      return "must be at least " + minimum.toPlainString();
    }
    if (maximum != null && value.compareTo(maximum) > 0) {
      return "must be at most " + maximum.toPlainString();
    }
    return null;
  }

  /** The value of a valid integer parameter. */
  static long integerValue(String raw) {
    String text = stripJsonWhitespace(raw);
    return JSON_INTEGER.matcher(text).matches() ? Long.parseLong(text) : (long) Double.parseDouble(text);
  }

  private static String stripJsonWhitespace(String s) {
    int start = 0;
    int end = s.length();
    while (start < end && isJsonWhitespace(s.charAt(start))) {
      start++;
    }
    while (end > start && isJsonWhitespace(s.charAt(end - 1))) {
      end--;
    }
    return s.substring(start, end);
  }

  private static boolean isJsonWhitespace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
  }
}
