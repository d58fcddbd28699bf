80/xyz
