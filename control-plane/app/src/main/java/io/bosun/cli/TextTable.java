package io.bosun.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A table as istioctl prints one: a header row, columns left-aligned and three spaces apart. Cells
 * are plain text; {@code colour} may decorate a cell after it is padded, so escapes never skew the
 * columns.
 */
final class TextTable {
  private static final String GAP = "   ";

  private final List<String> header;
  private final List<List<String>> rows = new ArrayList<>();

  TextTable(String... header) {
    this.header = List.of(header);
  }

  TextTable row(String... cells) {
    if (cells.length != header.size()) {
      throw new IllegalArgumentException("a row of " + cells.length + " cells in a table of " + header.size());
    }
    List<String> row = new ArrayList<>(cells.length);
    for (String c : cells) {
      row.add(c == null || c.isEmpty() ? "" : c);
    }
    rows.add(row);
    return this;
  }

  int size() {
    return rows.size();
  }

  @Override
  public String toString() {
    return render(UnaryOperator.identity());
  }

  /** The table, each body cell passed through {@code colour} after padding (the last column unpadded). */
  String render(UnaryOperator<String> colour) {
    int[] widths = new int[header.size()];
    for (int i = 0; i < widths.length; i++) {
      widths[i] = header.get(i).length();
      for (List<String> row : rows) {
        widths[i] = Math.max(widths[i], row.get(i).length());
      }
    }
    StringBuilder out = new StringBuilder();
    line(out, header, widths, UnaryOperator.identity());
    for (List<String> row : rows) {
      line(out, row, widths, colour);
    }
    return out.toString();
  }

  private static void line(StringBuilder out, List<String> cells, int[] widths, UnaryOperator<String> colour) {
    for (int i = 0; i < cells.size(); i++) {
      String cell = cells.get(i);
      boolean last = i == cells.size() - 1;
      out.append(colour.apply(cell));
      if (!last) {
        out.append(" ".repeat(widths[i] - cell.length())).append(GAP);
      }
    }
    out.append('\n');
  }
}
